import time


def slow_lookup(key: str) -> str:
    time.sleep(1)
    return key
