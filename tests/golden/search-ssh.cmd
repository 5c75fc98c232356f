search ssh
