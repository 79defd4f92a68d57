"""Registry (数据底座): departments, persons, enterprises and every department's records."""
