"""Status checks: Qt-free, imports neither assistant/ nor ui/."""
