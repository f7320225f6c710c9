/* Host driver for v_check.c alone: one beat per stdin line,
 *   class confidence flags has_window rr[0..ECG_MODEL_RR_FEATURES-1] window[0..ECG_MODEL_WINDOW_BYTES-1]
 * and one line out per beat: the class v_check_class reports. */
#include <stdio.h>

#include "v_check.h"

int main(void)
{
    int cls, confidence, flags, has_window, value, i;
    int8_t rr[ECG_MODEL_RR_FEATURES], window[ECG_MODEL_WINDOW_BYTES];
    while (scanf("%d %d %d %d", &cls, &confidence, &flags, &has_window) == 4) {
        for (i = 0; i < ECG_MODEL_RR_FEATURES; i++) {
            if (scanf("%d", &value) != 1) return 2;
            rr[i] = (int8_t)value;
        }
        for (i = 0; i < ECG_MODEL_WINDOW_BYTES; i++) {
            if (scanf("%d", &value) != 1) return 2;
            window[i] = (int8_t)value;
        }
        printf("%d\n", v_check_class((uint8_t)cls, (uint8_t)confidence, (uint8_t)flags, has_window ? window : 0, rr));
    }
    return 0;
}
