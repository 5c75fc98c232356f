pick --check 3333
