enum _PlaceholderKeelGateway {}
