/* Host driver for p_wave.c: reads "B position readable has_window" lines,
 * each followed (when has_window) by the model window's values, all channels
 * interleaved, and prints "Q coherence energy rr16" after each beat. */
#include <stdio.h>
#include "p_wave.h"

#define WINDOW_VALUES (ECG_MODEL_WINDOW_LEN * ECG_MODEL_WINDOW_CHANNELS)

int main(void)
{
    static p_wave_t p;
    static int8_t window[WINDOW_VALUES];
    long position, value;
    int readable, has_window, k;
    p_wave_init(&p);
    while (scanf(" B %ld %d %d", &position, &readable, &has_window) == 3) {
        for (k = 0; has_window && k < WINDOW_VALUES; k++) {
            if (scanf("%ld", &value) != 1 || value < -128 || value > 127) {
                fprintf(stderr, "bad window\n");
                return 2;
            }
            window[k] = (int8_t)value;
        }
        p_wave_on_beat(&p, (int32_t)position, has_window ? window : 0, readable);
        printf("Q %ld %ld %ld\n", (long)p.coherence, (long)p.energy, (long)p.rr16);
    }
    return 0;
}
