async def record(event: str) -> None:
    print(event)
