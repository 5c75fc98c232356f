history 22
