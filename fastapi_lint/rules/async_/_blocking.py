"""The blocking-call table shared by FAS101 and FAS102, and the search for such calls.

A key is either a function's qualified name (``"requests.get"``) or ``"<class>.<method>"``
(``"httpx.Client.get"``) for a method called on a receiver whose class the module proves
(``facts.type_of``: an annotation, a constructor call, a binding assigned from one). The value
is the kind of work that blocks; ``FILESYSTEM_QUERY`` entries are reported only when the option
``blocking-call.filesystem-queries`` is on.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass

from fastapi_lint.facts import FunctionInfo, ModuleFacts

SLEEP = "sleep"
HTTP = "HTTP request"
SUBPROCESS = "subprocess"
FILE_IO = "file I/O"
CONSOLE = "console input"
DATABASE = "database I/O"
FILESYSTEM_QUERY = "filesystem query"

_HTTP_VERBS = ("get", "options", "head", "post", "put", "patch", "delete", "request")
_HTTPX_CLIENT_METHODS = (*_HTTP_VERBS, "send", "stream", "close")
_URLLIB3_POOLS = (
    "urllib3.PoolManager",
    "urllib3.ProxyManager",
    "urllib3.HTTPConnectionPool",
    "urllib3.HTTPSConnectionPool",
)
_URLLIB3_POOL_METHODS = ("request", "urlopen", "request_encode_url", "request_encode_body")
_HTTP_CLIENT_CONNECTIONS = ("http.client.HTTPConnection", "http.client.HTTPSConnection")
_HTTP_CLIENT_METHODS = ("request", "getresponse", "connect", "send", "endheaders")
_OS_SPAWN = (
    "spawnl", "spawnle", "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe",
    "posix_spawn", "posix_spawnp",
)  # fmt: skip
_OS_WAIT = ("wait", "wait3", "wait4", "waitid", "waitpid")
_POLLING_WAITS = frozenset(f"os.{name}" for name in _OS_WAIT)
_SHUTIL = (
    "copy", "copy2", "copyfile", "copyfileobj", "copytree", "copymode", "copystat", "move",
    "rmtree",
)  # fmt: skip
_FILE_METHODS = (
    "read", "readline", "readlines", "readinto", "write", "writelines", "flush", "truncate",
)  # fmt: skip
_PATH_IO_METHODS = ("open", "read_text", "read_bytes", "write_text", "write_bytes")
_PATH_QUERY_METHODS = (
    "exists", "is_file", "is_dir", "is_symlink", "is_mount", "stat", "lstat", "iterdir", "glob",
    "rglob", "samefile",
)  # fmt: skip
_OS_PATH_QUERIES = (
    "exists", "lexists", "isfile", "isdir", "islink", "ismount", "isjunction", "getsize",
    "getmtime", "getatime", "getctime", "samefile", "sameopenfile", "realpath",
)  # fmt: skip
_OS_QUERIES = ("stat", "lstat", "listdir", "scandir")
_SQLITE_CONNECTION_METHODS = ("execute", "executemany", "executescript", "commit")
_SQLALCHEMY_SESSION_METHODS = ("query", "execute", "commit", "scalars")
# Redis commands are network round trips; helpers such as `pipeline()` or `lock()` that only
# build an object are left out.
_REDIS_COMMANDS = (
    "get", "set", "setex", "setnx", "getset", "getdel", "mget", "mset", "delete", "exists",
    "expire", "expireat", "ttl", "persist", "incr", "incrby", "decr", "decrby", "keys", "scan",
    "hget", "hset", "hmget", "hgetall", "hdel", "hexists", "hincrby", "hkeys", "hvals", "hlen",
    "lpush", "rpush", "lpop", "rpop", "blpop", "brpop", "lrange", "llen", "lrem", "ltrim",
    "sadd", "srem", "smembers", "sismember", "scard", "zadd", "zrem", "zrange", "zrevrange",
    "zrangebyscore", "zscore", "zincrby", "zcard", "publish", "ping", "flushdb", "flushall",
    "execute_command", "eval", "evalsha", "xadd", "xread", "xrange", "info", "dbsize",
)  # fmt: skip


def _entries(prefix: str, names: Iterable[str], kind: str) -> dict[str, str]:
    return {f"{prefix}.{name}": kind for name in names}


def _entries_for_each(classes: Iterable[str], names: Iterable[str], kind: str) -> dict[str, str]:
    names = tuple(names)
    return {key: kind for cls in classes for key in _entries(cls, names, kind)}


BLOCKING_CALLS: dict[str, str] = {
    "time.sleep": SLEEP,
    # HTTP
    **_entries("requests", _HTTP_VERBS, HTTP),
    **_entries("requests.Session", (*_HTTP_VERBS, "send"), HTTP),
    **_entries("httpx", (*_HTTP_VERBS, "stream"), HTTP),
    "httpx.Client": HTTP,  # building a sync client loads certificates from disk
    **_entries("httpx.Client", _HTTPX_CLIENT_METHODS, HTTP),
    "urllib.request.urlopen": HTTP,
    "urllib.request.urlretrieve": HTTP,
    "urllib3.request": HTTP,
    **_entries_for_each(_URLLIB3_POOLS, _URLLIB3_POOL_METHODS, HTTP),
    **_entries_for_each(_HTTP_CLIENT_CONNECTIONS, _HTTP_CLIENT_METHODS, HTTP),
    # processes
    **_entries(
        "subprocess",
        ("run", "call", "check_call", "check_output", "getoutput", "getstatusoutput", "Popen"),
        SUBPROCESS,
    ),
    **_entries("subprocess.Popen", ("wait", "communicate"), SUBPROCESS),
    **_entries("os", ("system", "popen", *_OS_SPAWN, *_OS_WAIT), SUBPROCESS),
    # files and the console
    "builtins.open": FILE_IO,
    "io.open": FILE_IO,
    "io.open_code": FILE_IO,
    "os.fdopen": FILE_IO,
    "builtins.input": CONSOLE,
    **_entries("io.TextIOWrapper", _FILE_METHODS, FILE_IO),
    **_entries("pathlib.Path", _PATH_IO_METHODS, FILE_IO),
    **_entries("shutil", _SHUTIL, FILE_IO),
    # filesystem queries (opt-in: each is one short system call)
    **_entries("os.path", _OS_PATH_QUERIES, FILESYSTEM_QUERY),
    **_entries("os", _OS_QUERIES, FILESYSTEM_QUERY),
    **_entries("pathlib.Path", _PATH_QUERY_METHODS, FILESYSTEM_QUERY),
    # sync database drivers
    "sqlite3.connect": DATABASE,
    "psycopg2.connect": DATABASE,
    "psycopg.connect": DATABASE,
    "pymysql.connect": DATABASE,
    **_entries("sqlite3.Connection", _SQLITE_CONNECTION_METHODS, DATABASE),
    **_entries("psycopg2.extensions.connection", ("commit", "rollback"), DATABASE),
    **_entries("pymysql.connections.Connection", ("commit", "rollback", "ping", "query"), DATABASE),
    **_entries("redis.Redis", _REDIS_COMMANDS, DATABASE),
    **_entries("sqlalchemy.orm.Session", _SQLALCHEMY_SESSION_METHODS, DATABASE),
    **_entries("sqlmodel.Session", (*_SQLALCHEMY_SESSION_METHODS, "exec"), DATABASE),
}

# The last names of the table's keys: a method named otherwise is in no entry, whatever
# class its receiver has.
_METHOD_NAMES = frozenset(key.rpartition(".")[2] for key in BLOCKING_CALLS)

# Other spellings of a receiver's class (or the factory that returns it) → the class the table
# uses. Async classes (`httpx.AsyncClient`, `redis.asyncio.Redis`, `AsyncSession`) are absent
# on purpose.
RECEIVER_CLASSES: dict[str, str] = {
    "requests.session": "requests.Session",
    "requests.sessions.Session": "requests.Session",
    "urllib3.poolmanager.PoolManager": "urllib3.PoolManager",
    "urllib3.poolmanager.ProxyManager": "urllib3.ProxyManager",
    "urllib3.proxy_from_url": "urllib3.ProxyManager",
    "urllib3.connectionpool.HTTPConnectionPool": "urllib3.HTTPConnectionPool",
    "urllib3.connectionpool.HTTPSConnectionPool": "urllib3.HTTPSConnectionPool",
    "builtins.open": "io.TextIOWrapper",
    "io.open": "io.TextIOWrapper",
    "os.fdopen": "io.TextIOWrapper",
    "io.BufferedReader": "io.TextIOWrapper",
    "io.BufferedWriter": "io.TextIOWrapper",
    "io.BufferedRandom": "io.TextIOWrapper",
    "io.FileIO": "io.TextIOWrapper",
    "pathlib.PosixPath": "pathlib.Path",
    "pathlib.WindowsPath": "pathlib.Path",
    "sqlite3.connect": "sqlite3.Connection",
    "psycopg2.connect": "psycopg2.extensions.connection",
    "pymysql.connect": "pymysql.connections.Connection",
    "pymysql.Connection": "pymysql.connections.Connection",
    "pymysql.connections.Connection": "pymysql.connections.Connection",
    "redis.StrictRedis": "redis.Redis",
    "redis.client.Redis": "redis.Redis",
    "redis.client.StrictRedis": "redis.Redis",
    "redis.from_url": "redis.Redis",
    "redis.Redis.from_url": "redis.Redis",
    "redis.StrictRedis.from_url": "redis.Redis",
}

# Calls whose arguments run in a worker thread: what is passed to them is not on the loop.
THREAD_OFFLOADERS = frozenset(
    {
        "asyncio.to_thread",
        "anyio.to_thread.run_sync",
        "starlette.concurrency.run_in_threadpool",
        "fastapi.concurrency.run_in_threadpool",
    }
)


@dataclass(frozen=True)
class BlockingCall:
    call: ast.Call
    function: FunctionInfo  # the async def whose own body makes the call
    name: str  # how messages spell the callee: the qualified name, or the source of a method
    qualified: str  # the table key that matched
    kind: str


def blocking_calls(
    facts: ModuleFacts,
    *,
    filesystem_queries: bool,
    within: Collection[FunctionInfo] | None = None,
) -> Iterator[BlockingCall]:
    """Known blocking calls that run directly on the event loop, in source order (only in the
    own bodies of ``within`` when given)."""
    for call, func in facts.calls_in_async_bodies():
        if within is not None and func not in within:
            continue
        found = blocking_call_in(facts, call, func, filesystem_queries=filesystem_queries)
        if found is not None:
            yield found


def _polls(facts: ModuleFacts, call: ast.Call) -> bool:
    """``os.waitpid(pid, os.WNOHANG)`` and the like return at once: they poll, not wait."""
    arguments = [*call.args, *(kw.value for kw in call.keywords)]
    return any(
        facts.qualified_name(node) == "os.WNOHANG"
        for argument in arguments
        for node in ast.walk(argument)
        if isinstance(node, ast.Name | ast.Attribute)
    )


def _match(facts: ModuleFacts, call: ast.Call, func: FunctionInfo) -> BlockingCall | None:
    qualified = facts.qualified_name(call.func)
    if qualified in _POLLING_WAITS and _polls(facts, call):
        return None
    if qualified is not None and qualified in BLOCKING_CALLS:
        name = qualified.removeprefix("builtins.")
        return BlockingCall(call, func, name, qualified, BLOCKING_CALLS[qualified])
    if not isinstance(call.func, ast.Attribute) or call.func.attr not in _METHOD_NAMES:
        return None  # no receiver's class would make it a blocking method
    if _is_awaited(facts, call):
        # an awaited method call says the receiver is async, whatever its annotation claims
        return None
    receiver = facts.type_of(call.func.value)
    if receiver is None:
        return None
    key = f"{RECEIVER_CLASSES.get(receiver, receiver)}.{call.func.attr}"
    if key not in BLOCKING_CALLS:
        return None
    return BlockingCall(call, func, _short_source(call.func), key, BLOCKING_CALLS[key])


def _is_awaited(facts: ModuleFacts, call: ast.Call) -> bool:
    parent = facts.parent(call)
    return isinstance(parent, ast.Await) and parent.value is call


def _runs_in_worker_thread(facts: ModuleFacts, call: ast.Call, func: FunctionInfo) -> bool:
    """True inside the arguments of ``asyncio.to_thread(...)``, ``run_in_threadpool(...)``,
    ``anyio.to_thread.run_sync(...)`` or ``<loop>.run_in_executor(...)``."""
    child: ast.AST = call
    for ancestor in facts.ancestors(call):
        if ancestor is func.node:
            return False
        if isinstance(ancestor, ast.Call) and _offloads(facts, ancestor, through=child):
            return True
        child = ancestor
    return False


def _offloads(facts: ModuleFacts, call: ast.Call, *, through: ast.AST) -> bool:
    """True when ``through`` is an argument of ``call`` and ``call`` runs it in a thread."""
    if through is call.func:
        return False
    if facts.qualified_name(call.func) in THREAD_OFFLOADERS:
        return True
    # the loop is rarely provable (`asyncio.get_running_loop()`), and this only silences
    return isinstance(call.func, ast.Attribute) and call.func.attr == "run_in_executor"


def _in_annotation(facts: ModuleFacts, call: ast.Call, func: FunctionInfo) -> bool:
    """Annotations of locals never run, and those of nested defs may not."""
    child: ast.AST = call
    for ancestor in facts.ancestors(call):
        if ancestor is func.node:
            return False
        if child is _annotation_of(ancestor):
            return True
        child = ancestor
    return False


def _annotation_of(node: ast.AST) -> ast.expr | None:
    if isinstance(node, ast.arg | ast.AnnAssign):
        return node.annotation
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return node.returns
    return None


def _short_source(expr: ast.expr, limit: int = 40) -> str:
    text = ast.unparse(expr)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def blocking_call_in(
    facts: ModuleFacts, call: ast.Call, func: FunctionInfo, *, filesystem_queries: bool
) -> BlockingCall | None:
    """The known blocking call ``call`` makes in the own body of ``func``, sync or async (the
    project index asks it of every function, to find blocking helpers)."""
    found = _match(facts, call, func)
    if found is None or (found.kind == FILESYSTEM_QUERY and not filesystem_queries):
        return None
    if runs_in_worker_thread(facts, call, func) or _in_annotation(facts, call, func):
        return None
    return found


def runs_in_worker_thread(facts: ModuleFacts, call: ast.Call, func: FunctionInfo) -> bool:
    """True when ``call`` sits in the arguments of a thread offloader in ``func``'s body."""
    return _runs_in_worker_thread(facts, call, func)
