def shout(text: str) -> str:
    from loop import views  # a cycle back: helpers ↔ views

    return text.upper() if views else text
