#include <string.h>

#include "quality.h"
#include "fixed_point.h"

#define FLAT_PEAK_TO_PEAK ECG_UV_TO_ADC(ECG_FLAT_UV)
#define NOISE_MIN_ROUGHNESS ECG_UV_TO_ADC(ECG_NOISE_MIN_UV)

void quality_init(signal_quality_t *q)
{
    int32_t i;
    memset(q, 0, sizeof *q);
    q->last_block_level = MONITOR_QUALITY_GOOD;
    q->level = MONITOR_QUALITY_GOOD;
    for (i = 0; i < QUALITY_HISTORY; i++) q->block_levels[i] = MONITOR_QUALITY_GOOD;
}

static uint8_t judge_block(const signal_quality_t *q)
{
    int32_t peak_to_peak = q->block_max - q->block_min;
    if (peak_to_peak < FLAT_PEAK_TO_PEAK) return MONITOR_QUALITY_LEAD_OFF;
    if (q->rail_count >= ECG_CLIP_MIN_SAMPLES) return MONITOR_QUALITY_SATURATED;
    /* mean roughness > permille * peak-to-peak, and above an absolute floor */
    if ((int64_t)q->roughness_sum * 1000 > (int64_t)ECG_NOISE_PERMILLE * peak_to_peak * QUALITY_BLOCK_LEN &&
        q->roughness_sum > NOISE_MIN_ROUGHNESS * QUALITY_BLOCK_LEN)
        return MONITOR_QUALITY_NOISY;
    return MONITOR_QUALITY_GOOD;
}

int quality_push(signal_quality_t *q, int32_t raw)
{
    int32_t roughness;
    uint8_t block_level, previous_level;
    if (!q->started) {
        q->previous1 = q->previous2 = raw;
        q->started = 1;
    }
    if (q->filled == 0) {
        q->block_min = q->block_max = raw;
        q->rail_count = 0;
        q->roughness_sum = 0;
    }
    if (raw < q->block_min) q->block_min = raw;
    if (raw > q->block_max) q->block_max = raw;
    if (raw <= ECG_ADC_MIN || raw >= ECG_ADC_MAX) q->rail_count++;
    roughness = fx_clamp(raw - 2 * q->previous1 + q->previous2, -32767, 32767);
    q->roughness_sum += roughness < 0 ? -roughness : roughness;
    q->previous2 = q->previous1;
    q->previous1 = raw;
    if (++q->filled < QUALITY_BLOCK_LEN) return 0;

    block_level = judge_block(q);
    q->block_levels[q->block_index % QUALITY_HISTORY] = block_level;
    q->block_index++;
    q->filled = 0;
    previous_level = q->level;
    q->level = block_level > q->last_block_level ? block_level : q->last_block_level;
    q->last_block_level = block_level;
    return q->level != previous_level;
}

uint8_t quality_worst_between(const signal_quality_t *q, int32_t first, int32_t last)
{
    int32_t block, worst = MONITOR_QUALITY_GOOD;
    int32_t first_block = first < 0 ? 0 : first / QUALITY_BLOCK_LEN;
    int32_t last_block = last < 0 ? 0 : last / QUALITY_BLOCK_LEN;
    for (block = first_block; block <= last_block; block++) {
        int32_t level;
        if (block >= q->block_index || q->block_index - block > QUALITY_HISTORY)
            level = q->level;
        else
            level = q->block_levels[block % QUALITY_HISTORY];
        if (level > worst) worst = level;
    }
    return (uint8_t)worst;
}
