enum _PlaceholderKeelServer {}
