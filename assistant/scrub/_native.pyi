from typing_extensions import Buffer

CASELESS: int
MULTILINE: int

class Database:
    def __init__(self, expressions: list[bytes], flags: list[int]) -> None: ...
    def scan(self, data: Buffer, /) -> list[tuple[int, int, int]]: ...
