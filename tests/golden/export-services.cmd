export --format services
