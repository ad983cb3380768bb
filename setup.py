"""The one compiled part: the scrubber's native scanner (see assistant/scrub/_native.c).

Everything else about the package is in pyproject.toml. The extension is optional: where
Hyperscan's headers (Debian: libhyperscan-dev) or a C compiler are missing, the install
goes on without it and the scrubber uses Hyperscan's Python binding (slower, same result).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "assistant.scrub._native",
            sources=["assistant/scrub/_native.c"],
            libraries=["hs"],
            optional=True,
        )
    ]
)
