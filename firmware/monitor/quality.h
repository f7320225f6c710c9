/* Signal quality from the raw input, judged over fixed blocks: flat line
 * (lead off), samples on the ADC rails (saturation), or high-frequency
 * activity large against the ECG's own amplitude (noise). The reported
 * level is the worse of the last two blocks, so a single clean block inside
 * a bad stretch does not make the level flicker. */
#ifndef ECG_QUALITY_H
#define ECG_QUALITY_H

#include <stdint.h>
#include "events.h"
#include "monitor_config.h"

#define QUALITY_BLOCK_LEN ECG_MS_TO_SAMPLES(ECG_QUALITY_BLOCK_MS)
/* Blocks remembered (500 ms each): the pause check asks whether the lead was
 * off anywhere in the gap, which reaches back the pause limit plus the
 * two-lead decision wait (2.6 s, monitor.h). 64 blocks (32 s) cover any pause
 * limit up to 28 s; older blocks would read as the current level. One byte
 * a block. */
#define QUALITY_HISTORY 64

typedef struct {
    int32_t block_index;  /* block being filled */
    int32_t filled;
    int32_t block_min, block_max;
    int32_t rail_count;
    int32_t roughness_sum; /* sum of |second difference| over the block */
    int32_t previous1, previous2;
    uint8_t started;
    uint8_t last_block_level;
    uint8_t level; /* reported level, monitor_quality_t */
    uint8_t block_levels[QUALITY_HISTORY];
} signal_quality_t;

void quality_init(signal_quality_t *q);
/* Push one raw sample; returns 1 when the reported level changed. */
int quality_push(signal_quality_t *q, int32_t raw);
/* Worst level of the blocks covering input samples first..last; blocks not
 * finished yet or already forgotten count as the current level. */
uint8_t quality_worst_between(const signal_quality_t *q, int32_t first, int32_t last);

#endif
