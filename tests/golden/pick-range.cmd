pick --seed 1 --count 2 --range 3000-3007
