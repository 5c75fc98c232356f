search caller
