from platformio.public import PlatformBase


class EcgccPlatform(PlatformBase):
    """Toolchains come from the system PATH, so nothing is fetched from a registry."""
