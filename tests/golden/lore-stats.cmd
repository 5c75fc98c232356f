lore stats
