#include "history.h"

void signal_history_init(signal_history_t *h, int16_t *storage, int32_t length)
{
    int32_t i;
    h->ring = storage;
    h->length = length;
    for (i = 0; i < length; i++) h->ring[i] = 0;
    h->next_slot = 0;
    h->count = 0;
}

void signal_history_push(signal_history_t *h, int16_t value)
{
    h->ring[h->next_slot] = value;
    h->next_slot = h->next_slot + 1 == h->length ? 0 : h->next_slot + 1;
    h->count++;
}

int signal_history_holds(const signal_history_t *h, int32_t index)
{
    return index >= 0 && index < h->count && h->count - index <= h->length;
}

int16_t signal_history_at(const signal_history_t *h, int32_t index)
{
    int32_t slot = h->next_slot - (h->count - index);
    if (slot < 0) slot += h->length;
    return h->ring[slot];
}
