"""The scrubbing corpus: realistic files written for the tests and what each must lose.

``SECRETS``: every secret planted in the file (none may survive scrubbing); ``KEEP``: text
that is not secret and must survive; ``COUNTS``: the redactions expected, by kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

CORPUS = Path(str(resources.files("tests.assistant.scrub").joinpath("corpus")))

PASSWORD = "Tr0ub4dor&3-horse"
SESSION = "f3a9c2e17b4d4e0a9c5b8d2e6f1a7c3b"
API_KEY = "ak_live_5f8e2d9c1b7a4e3f6d0c9b8a"


@dataclass(frozen=True)
class Case:
    filename: str
    counts: dict[str, int]
    secrets: list[str]
    keep: list[str] = field(default_factory=list)

    @property
    def path(self) -> Path:
        return CORPUS / self.filename


CASES = [
    Case(
        "login-flow.har",
        counts={
            "cookie": 8,
            "field": 6,  # not "token_type": "Bearer" (the name only mentions a token)
            "url_token": 4,
            "authorization": 2,
            "api_key_header": 1,
            "jwt": 1,
        },
        secrets=[
            PASSWORD,
            "Tr0ub4dor%263-horse",  # the same password, form-encoded in the body text
            SESSION,
            "9b1d7e3c5a2f4e6d8c0b1a3f5e7d9c2b",  # __Host-sess cookie
            "kP7vN2qX9sL4mR8tW1yZ6bC3dF5gH0jA",  # CSRF token
            "SplxlOBeZQQYbYS6WxSbIA",  # OAuth code in the callback URL
            "eyJhbGciOiJSUzI1NiIsImtpZCI6InNob3Ata2V5LTIwMjYifQ",  # access JWT (bearer)
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",  # id_token JWT in a query string
            "rt_8Hq2Lm5Np9Rs3Tv7Wx1Yz4Ab6Cd0Ef",  # refresh token in JSON bodies
            API_KEY,
            "PHNhbWxwOlJlc3BvbnNl",  # SAMLResponse
            "cHJveHl1c2VyOnByMHh5LVBhNTU=",  # Proxy-Authorization basic credentials
        ],
        keep=[
            "alice%40acme.example",
            "state=af0ifjsldkj",
            "RelayState=%2Fcheckout",
            "page=2",
            '"value": "application/json"',
            "Internal Server Error: status code 500",
            'expires_in\\": 3600',
            '"token_type\\": \\"Bearer\\"',
        ],
    ),
    Case(
        "service.log",
        counts={
            "field": 4,
            "authorization": 2,
            "url_token": 2,
            "slack_token": 2,
            "cookie": 1,
            "aws_key": 2,  # the secret access key, named by its shape
            "github_token": 1,
            "gitlab_token": 1,
            "google_api_key": 1,
            "stripe_key": 1,
            "api_key_header": 1,
            "private_key": 1,
        },
        secrets=[
            PASSWORD,
            "3-horse",
            "eyJhbGciOiJSUzI1NiIsImtpZCI6InNob3Ata2V5LTIwMjYifQ",
            SESSION,
            "SplxlOBeZQQYbYS6WxSbIA",
            "AKIAQ3EGVP7XKJ2RM4TN",
            "kT9vQ2mX7pL4sN8rW1zY6bC3dF5gH0jA2eR7tU9i",
            "ghp_R8mK2vX9pQ4sL7nT1wY6zB3cD5fG0hJ8kM2pN",
            "glpat-Xy7Kp2Qm9Rt4Vw8Zb3Nc",
            "q8Rz3Kd7Wm2Xp5Vt9Ny4Lb6H",  # Slack webhook path
            "xoxb-2648173920-5129384756-Pq7Rt2Xv9Kz4Wm8Ys3Nb",
            "AIzaSyD4x8Kq2Vm7Pz9Rt3Wn6Yb1Hc5Lf0Jg2s4",
            "sk_live_51Hx8Kq2Vm7Pz9Rt3Wn6Yb1Hc",
            "cHJveHl1c2VyOnByMHh5LVBhNTU=",
            "PHNhbWxwOlJlc3BvbnNl",
            API_KEY,
            "c0rrect-h0rse-battery",
            "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
            "LxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
        ],
        keep=[
            "status code: 500",
            "user=alice@acme.example",
            "state=af0ifjsldkj",
            "region=eu-west-1",
            "keyboard layout de, sort_key=name, primary_key=id, zipcode=10115",
            "-----BEGIN RSA PRIVATE KEY-----\n",
            "\n-----END RSA PRIVATE KEY-----",
            "the author of the basic plan changed its description",
            "RelayState=/checkout",
            "host=db-1",
        ],
    ),
    Case(
        "accounts-export.json",
        counts={
            "field": 7,
            "url_token": 1,
            "authorization": 1,
            "aws_key": 1,
            "gitlab_token": 1,
            "jwt": 1,
        },
        secrets=[
            "3f9a1c7e5b2d8f4a6c0e9b1d3f5a7c9e",
            "cs_9Zt4Wq7Xp2Kv8Ms3Nb6Lr1Hy5",
            "c2hvcC13ZWI6Y3NfOVp0NFdxN1hwMkt2OE1zM05iNkxyMUh5NQ==",
            "ASIAY7QK3VZP2MX9RT4N",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ4mV8tR2KQ",
            "IQoJb3JpZ2luX2VjEJr",
            PASSWORD,
            "$argon2id$",
            API_KEY,
            "9b1d7e3c5a2f4e6d8c0b1a3f5e7d9c2b",
            "gldt-Ab3Cd5Ef7Gh9Ij1Kl3Mn",
            "eyJhbGciOiJIUzI1NiJ9.eyJraW9zayI6IjcifQ",
        ],
        keep=[
            '"client_id": "shop-web"',
            '"Accept": "application/json"',
            '"status_code": 404',
            '"sort_key": "alice"',
            '"primary_key": "u-2"',
            '{"name": "X-Request-Id", "value": "7f3e2a1b"}',
            "source=shop",
        ],
    ),
]
