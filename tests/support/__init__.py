"""What the tests share, and no test: settings, clients of the service, checks of its answers."""
