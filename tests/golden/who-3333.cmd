who 3333
