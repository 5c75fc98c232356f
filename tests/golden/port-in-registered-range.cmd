6003/tcp
