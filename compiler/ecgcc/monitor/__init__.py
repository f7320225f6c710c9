"""Python twin of the firmware's streaming ECG signal chain (firmware/monitor).

Same integer arithmetic as the C, module for module, so every stage and
every event can be compared sample for sample, and training data can be cut
exactly as the device will cut it.
"""

from .config import MonitorConfig
from .monitor import DeviceBeats, MonitorResult, device_beats, run_monitor

__all__ = ["DeviceBeats", "MonitorConfig", "MonitorResult", "device_beats", "run_monitor"]
