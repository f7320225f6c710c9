"""Build settings of the signal chain and the integers derived from them.

Mirrors firmware/monitor/monitor_config.h, qrs_timing.h and the sizes in the
module headers: every formula here is the C macro's, in integer arithmetic.
The host tests compare these values with the ones the C driver prints.
"""

from __future__ import annotations

from ..errors import UserError

# Defaults of the C build settings (monitor_config.h).
DEFAULTS = {
    "sample_rate_hz": 360,
    "mains_hz": 60,
    "adc_zero": 1024,
    "adc_min": 0,
    "adc_max": 2047,
    "adc_units_per_mv": 200,
    "baseline_window_ms": 1000,
    "lowpass_window_ms": 11,
    "notch_pole_q14": 15729,
    "qrs_smooth_ms": 30,
    "qrs_highpass_ms": 60,
    "qrs_deriv_step_ms": 5,
    "qrs_integration_ms": 150,
    "qrs_peak_hold_ms": 200,
    "qrs_refractory_ms": 200,
    "qrs_twave_ms": 360,
    "qrs_learn_ms": 2000,
    "qrs_searchback_max_ms": 2000,
    "qrs_searchback_slope_shift": 2,
    "qrs_refine_margin_ms": 30,
    "qrs_threshold_q8": 64,
    "qrs_noisy_ratio": 3,
    "qrs_noisy_threshold_q8": 192,
    "qrs_noisy_searchback_q8": 192,
    "qrs_noisy_cap_q8": 168,
    "qrs_gate_amplitude_q8": 320,
    "qrs_gate_early_q8": 205,
    "qrs_gate_slope_shift": 1,
    "qrs_gate_when_quiet": 1,
    "qrs_hold_amplitude_q8": 576,
    "qrs_hold_pause_q8": 307,
    "qrs_hold_ratio": 10,
    "qrs_hold_signal_q8": 256,
    "qrs_hold_timing_q8": 128,
    "qrs_min_peak": 20,
    "rr_default_ms": 1000,
    "model_window_len": 256,
    "model_r_offset": 96,
    "model_counts_per_mv": 40,
    "model_rr_counts_per_second": 64,
    "model_ratio_counts": 64,
    "model_local_rr_beats": 10,
    "model_window_channels": 1,
    "model_template_shift": 4,
    "model_template_gate": 56,
    "model_rr_features": 5,
    "model_irregularity_counts": 256,
    "model_long_rr_shift": 6,
    "quality_block_ms": 500,
    "flat_uv": 20,
    "clip_min_samples": 3,
    "noise_permille": 60,
    "noise_min_uv": 30,
    "vf_block_ms": 500,
    "vf_window_blocks": 6,
    "vf_baseline_weight": 4,
    "vf_leakage_weight": 6,
    "vf_curvature_weight": 1,
    "vf_score_max": 950,
    "vf_hold_score_max": 1200,
    "vf_onset_blocks": 2,
    "vf_end_blocks": 16,
    "af_span": 16,
    "af_irregularity_min": 32,
    "af_irregularity_end": 8,
    "af_max_rr_ms": 1250,
    "af_bigeminy_guard": 0,
    "af_skip_s": 1,
    "af_onset_beats": 8,
    "af_end_beats": 12,
    "af_min_ms": 30000,
    "af_p_coherence_max": 0,
    "brady_bpm": 40,
    "tachy_bpm": 150,
    "pause_ms": 3000,
    "vrun_beats": 3,
    "hr_hysteresis_bpm": 5,
    "confidence_min": 128,
    "s_in_af_as_n": 2,
    "s_in_af_p_coherence_max": 64,
    "beat_clusters": 0,
    "cluster_count": 6,
    "cluster_step_ms": 5,
    "cluster_qrs_half_ms": 67,
    "cluster_p_from_ms": 250,
    "cluster_p_to_ms": 83,
    "cluster_qrs_sad": 6,
    "cluster_p_sad": 2,
    "cluster_min_beats": 32,
    "cluster_recent_beats": 64,
    "cluster_s_ratio": 48,
    "cluster_s_rule": 0,
    "cluster_s_votes": 1,
    "cluster_v": 1,
    "cluster_v_lone": 32,
    "cluster_s_spread": 4,
    "cluster_s_spread_rr": 0,
    "cluster_s_irregular": 12,
    "cluster_s_pause": 56,
    "cluster_s_pause_next": 77,
    "cluster_v_on_time": 61,
    "cluster_v_on_time_next": 77,
    "lead_near_ms": 150,
    "lead_regular_ms": 10000,
    "lead_gap_q8": 461,
    "lead_noisy_ratio": 5,
    "lead_quiet_ratio": 3,
    "v_poor_quality": 0,
    "v_confidence_min": 128,
    "v_template_sad": 0,
    "v_template_half_ms": 67,
    "v_noisy_on_time": 56,
    "v_noisy_pause": 77,
}

# Fixed sizes from the module headers.
QRS_RR_HISTORY = 8
QRS_LEARN_PEAKS = 8
BEAT_WINDOW_QUEUE = 12
# 16 blocks (8 s) for one lead, and 5 more for the two-lead decision's wait (2.6 s at 500 ms blocks)
QUALITY_HISTORY = 64
RHYTHM_RR_AVERAGE = 4
MONITOR_MAX_EVENTS = 40


def mv_to_adc(signal_mv, adc_per_mv: int, adc_zero: int):
    """A signal in mV as int16 ADC samples with adc_per_mv units per mV around adc_zero (saturated)."""
    import numpy as np
    return np.clip(np.round(np.asarray(signal_mv) * adc_per_mv) + adc_zero, -32768, 32767).astype(np.int64)


class MonitorConfig:
    """One build of the chain: the C settings as keyword arguments.

    ``MonitorConfig(sample_rate_hz=250, mains_hz=50)`` matches a firmware
    built with ``-DECG_SAMPLE_RATE_HZ=250 -DECG_MAINS_HZ=50``.
    """

    def __init__(self, **settings):
        unknown = set(settings) - set(DEFAULTS)
        if unknown:
            raise ValueError(f"unknown monitor settings: {sorted(unknown)}")
        merged = dict(DEFAULTS)
        merged.update(settings)
        object.__setattr__(self, "settings", merged)
        fs = merged["sample_rate_hz"]
        if not 100 <= fs <= 800:
            raise ValueError("sample_rate_hz must be within 100..800")
        if merged["mains_hz"] and merged["mains_hz"] * 2 >= fs:
            raise ValueError("mains_hz must be below half the sample rate")
        if merged["model_window_channels"] not in (1, 2):
            raise ValueError("model_window_channels must be 1 or 2")
        if merged["model_rr_features"] not in (5, 6, 8, 9):
            raise ValueError("model_rr_features must be 5, 6, 8 or 9")
        if not (0 <= merged["af_p_coherence_max"] <= 1024 and 0 <= merged["s_in_af_p_coherence_max"] <= 1024):
            raise ValueError("af_p_coherence_max and s_in_af_p_coherence_max must be within 0..1024")
        if merged["s_in_af_as_n"] not in (0, 1, 2):
            raise ValueError("s_in_af_as_n must be 0, 1 or 2")
        if any(merged[k] not in (0, 1) for k in ("beat_clusters", "cluster_v", "cluster_s_rule", "cluster_s_votes")):
            raise ValueError("beat_clusters, cluster_v, cluster_s_rule and cluster_s_votes must be 0 or 1")
        if any(not 0 <= merged[k] <= 64 for k in ("cluster_v_lone", "cluster_s_spread", "cluster_s_spread_rr",
                                                 "cluster_s_irregular")):
            raise ValueError("cluster_v_lone, cluster_s_spread(_rr) and cluster_s_irregular must be within 0..64")
        if not 0 <= merged["cluster_s_pause"] <= 64 or not 0 <= merged["cluster_v_on_time"] <= 127:
            raise ValueError("cluster_s_pause must be within 0..64 and cluster_v_on_time within 0..127")
        if any(not 0 <= merged[k] <= 255 for k in ("cluster_s_pause_next", "cluster_v_on_time_next")):
            raise ValueError("cluster_s_pause_next and cluster_v_on_time_next must be within 0..255")
        if merged["v_poor_quality"] not in (0, 1) or not 0 <= merged["v_confidence_min"] <= 255 or \
                not 0 <= merged["v_template_sad"] <= 127 or merged["v_template_half_ms"] < 0:
            raise ValueError("v_poor_quality must be 0 or 1, v_confidence_min within 0..255, "
                             "v_template_sad within 0..127")
        if not 0 <= merged["v_noisy_on_time"] <= 127 or not 0 <= merged["v_noisy_pause"] <= 255:
            raise ValueError("v_noisy_on_time must be within 0..127 and v_noisy_pause within 0..255")
        if merged["v_template_sad"] and merged["model_window_channels"] != 2:
            raise ValueError("v_template_sad needs the template channel (model_window_channels=2)")
        if not 1 <= merged["cluster_count"] <= 16:
            raise ValueError("cluster_count must be within 1..16")
        if self.qrs_integration_len > 127:
            raise ValueError("the integration window would overflow its 32-bit sum")

    def __repr__(self) -> str:
        changed = {k: v for k, v in self.settings.items() if v != DEFAULTS[k]}
        return f"MonitorConfig({', '.join(f'{k}={v}' for k, v in changed.items())})"

    def __eq__(self, other) -> bool:
        return isinstance(other, MonitorConfig) and self.settings == other.settings

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.settings.items())))

    def __getattr__(self, name):
        settings = object.__getattribute__(self, "settings")
        if name in settings:
            return settings[name]
        raise AttributeError(name)

    def c_defines(self) -> list[str]:
        """-D flags that build the firmware with these settings."""
        return [f"-DECG_{k.upper()}={v}" for k, v in self.settings.items() if v != DEFAULTS[k]]

    # ---- helpers mirroring the C macros ----
    def ms(self, ms: int) -> int:
        return (ms * self.sample_rate_hz + 500) // 1000

    def uv_to_adc(self, uv: int) -> int:
        return (uv * self.adc_units_per_mv + 500) // 1000

    def samples_from_mv(self, signal_mv):
        """A signal in mV as the device's int16 ADC samples (rounded, offset by the ADC zero, saturated)."""
        return mv_to_adc(signal_mv, self.adc_units_per_mv, self.adc_zero)

    # ---- filters.h ----
    @property
    def baseline_len(self) -> int:
        return max(1, self.ms(self.baseline_window_ms))

    @property
    def lowpass_len(self) -> int:
        return max(1, self.ms(self.lowpass_window_ms))

    @property
    def filter_delay(self) -> int:
        return (self.baseline_len - 1) + (self.lowpass_len - 1)

    @property
    def notch_cos_q14(self) -> int:
        """cos(2*pi*mains/fs) in Q14 from the same Taylor series, evaluated in
        the same order as the C constant expression (IEEE double)."""
        if self.mains_hz == 0:
            return 0
        w = 2.0 * 3.14159265358979323846 * self.mains_hz / self.sample_rate_hz
        w2 = w * w
        c = 1.0 - w2 / 2.0 * (
            1.0 - w2 / 12.0 * (
                1.0 - w2 / 30.0 * (
                    1.0 - w2 / 56.0 * (1.0 - w2 / 90.0 * (1.0 - w2 / 132.0 * (1.0 - w2 / 182.0)))
                )
            )
        )
        return int(c * 16384.0 + (0.5 if c >= 0.0 else -0.5))

    # ---- qrs_timing.h ----
    @property
    def qrs_smooth_len(self) -> int:
        return max(1, self.ms(self.qrs_smooth_ms))

    @property
    def qrs_highpass_len(self) -> int:
        return self.ms(self.qrs_highpass_ms) | 1

    @property
    def qrs_deriv_step(self) -> int:
        return max(1, self.ms(self.qrs_deriv_step_ms))

    @property
    def qrs_integration_len(self) -> int:
        return self.ms(self.qrs_integration_ms)

    @property
    def qrs_peak_hold(self) -> int:
        return self.ms(self.qrs_peak_hold_ms)

    @property
    def qrs_refractory(self) -> int:
        return self.ms(self.qrs_refractory_ms)

    @property
    def qrs_twave(self) -> int:
        return self.ms(self.qrs_twave_ms)

    @property
    def qrs_learn(self) -> int:
        return self.ms(self.qrs_learn_ms)

    @property
    def qrs_searchback_max(self) -> int:
        return self.ms(self.qrs_searchback_max_ms)

    @property
    def qrs_refine_margin(self) -> int:
        return self.ms(self.qrs_refine_margin_ms)

    @property
    def qrs_signal_delay(self) -> int:
        return (self.qrs_smooth_len - 1) + (self.qrs_highpass_len - 1) // 2 + 2 * self.qrs_deriv_step

    @property
    def qrs_detection_lag(self) -> int:
        return self.qrs_signal_delay + self.qrs_integration_len + self.qrs_refine_margin + self.qrs_peak_hold

    @property
    def qrs_max_report_lag(self) -> int:
        return max(self.qrs_searchback_max, self.qrs_learn) + self.qrs_detection_lag + 1

    # ---- monitor.h: history lengths ----
    @property
    def filtered_history_len(self) -> int:
        return self.qrs_detection_lag + 2

    @property
    def raw_history_len(self) -> int:
        return self.filter_delay + self.qrs_max_report_lag + self.model_r_offset + BEAT_WINDOW_QUEUE + 4

    # ---- monitor.h: two leads ----
    @property
    def lead_near(self) -> int:
        return self.ms(self.lead_near_ms)

    @property
    def lead_wait(self) -> int:
        """A beat is decided this long after its R peak: once the slowest report of either detector is in."""
        return self.lead_near + self.qrs_max_report_lag

    @property
    def raw_history_len_two_leads(self) -> int:
        return self.raw_history_len + self.lead_wait - self.qrs_max_report_lag

    @property
    def window_len(self) -> int:
        return self.model_window_len

    @property
    def window_bytes(self) -> int:
        return self.model_window_len * self.model_window_channels

    # ---- quality.h ----
    @property
    def quality_block_len(self) -> int:
        return self.ms(self.quality_block_ms)

    # ---- vf.h ----
    @property
    def vf_block_len(self) -> int:
        return self.ms(self.vf_block_ms)

    @property
    def vf_max_half_period(self) -> int:
        return self.ms(333)

    # ---- monitor.h ----
    @property
    def flush_len(self) -> int:
        return self.filter_delay + self.qrs_max_report_lag + BEAT_WINDOW_QUEUE + 1

    @property
    def flush_len_two_leads(self) -> int:
        return self.flush_len + self.lead_wait - self.qrs_max_report_lag

    def derived(self) -> dict:
        """The constants the C host driver prints with --config."""
        return {
            "sample_rate_hz": self.sample_rate_hz,
            "mains_hz": self.mains_hz,
            "filter_delay": self.filter_delay,
            "baseline_len": self.baseline_len,
            "lowpass_len": self.lowpass_len,
            "notch_cos_q14": self.notch_cos_q14,
            "qrs_smooth_len": self.qrs_smooth_len,
            "qrs_highpass_len": self.qrs_highpass_len,
            "qrs_deriv_step": self.qrs_deriv_step,
            "qrs_integration_len": self.qrs_integration_len,
            "qrs_signal_delay": self.qrs_signal_delay,
            "qrs_detection_lag": self.qrs_detection_lag,
            "qrs_max_report_lag": self.qrs_max_report_lag,
            "filtered_history_len": self.filtered_history_len,
            "raw_history_len": self.raw_history_len,
            "window_len": self.model_window_len,
            "window_bytes": self.window_bytes,
            "rr_features": self.model_rr_features,
            "r_offset": self.model_r_offset,
            "quality_block_len": self.quality_block_len,
            "flush_len": self.flush_len,
            "lead_wait": self.lead_wait,
            "raw_history_len_two_leads": self.raw_history_len_two_leads,
            "flush_len_two_leads": self.flush_len_two_leads,
            "vf_block_len": self.vf_block_len,
            "vf_max_half_period": self.vf_max_half_period,
        }


def settings_from_pairs(pairs: list[str]) -> dict[str, int]:
    """NAME=VALUE pairs (--twin-setting, --monitor-setting) as monitor settings, checked against the known ones."""
    settings = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        name = name.strip()
        if name not in DEFAULTS or not value.strip().lstrip("-").isdigit():
            raise UserError(f"monitor setting {pair!r} is not NAME=INTEGER with a known monitor setting",
                            hint="names are those of compiler/ecgcc/monitor/config.py DEFAULTS, e.g. s_in_af_as_n=1")
        settings[name] = int(value)
    return settings
