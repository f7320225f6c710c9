/* Recent samples in a ring, addressed by absolute sample index. The owner
 * provides the storage, sized for how far back it must look. */
#ifndef ECG_HISTORY_H
#define ECG_HISTORY_H

#include <stdint.h>

typedef struct {
    int16_t *ring;
    int32_t length;
    int32_t next_slot;
    int32_t count; /* samples pushed so far = index of the next one */
} signal_history_t;

void signal_history_init(signal_history_t *h, int16_t *storage, int32_t length);
void signal_history_push(signal_history_t *h, int16_t value);
/* 1 when sample 'index' was pushed and is still held. */
int signal_history_holds(const signal_history_t *h, int32_t index);
/* The sample at 'index'; the caller checks signal_history_holds first. */
int16_t signal_history_at(const signal_history_t *h, int32_t index);

#endif
