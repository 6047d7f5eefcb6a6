def get_db():
    db = object()
    yield db


def get_settings():
    return {"debug": True}
