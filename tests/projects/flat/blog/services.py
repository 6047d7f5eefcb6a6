import urllib.request


def _http_get(url: str) -> bytes:
    with urllib.request.urlopen(url) as response:
        return bytes(response.read())


def fetch_profile(user_id: int) -> bytes:
    return _http_get(f"https://profiles.example/{user_id}")


def profile_name(user_id: int) -> str:
    return fetch_profile(user_id).decode()
