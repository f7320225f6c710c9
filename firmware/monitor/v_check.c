#include "v_check.h"

#if ECG_V_TEMPLATE_SAD
/* Sum of |beat - template| over the QRS, from the window's difference channel. */
static int32_t qrs_difference(const int8_t *window)
{
    int32_t k, sum = 0;
    for (k = ECG_MODEL_R_OFFSET - V_CHECK_QRS_HALF; k <= ECG_MODEL_R_OFFSET + V_CHECK_QRS_HALF; k++) {
        int32_t d = window[2 * k + 1];
        sum += d < 0 ? -d : d;
    }
    return sum;
}
#endif

uint8_t v_check_class(uint8_t model_class, uint8_t confidence, uint8_t flags, const int8_t *window,
                      const int8_t *rr)
{
    (void)confidence;
    (void)flags;
    (void)window;
    (void)rr;
    if (model_class != MONITOR_CLASS_V) return model_class;
#if ECG_V_POOR_QUALITY
    if (flags & MONITOR_FLAG_POOR_QUALITY) return MONITOR_CLASS_Q;
#endif
#if ECG_V_CONFIDENCE_MIN
    if (confidence < ECG_V_CONFIDENCE_MIN) return MONITOR_CLASS_N;
#endif
#if ECG_V_NOISY_ON_TIME
    /* noise can give a sinus beat a ventricular shape, not a ventricular beat's timing: poor quality, on time
     * (pre/local), no pause after it (post/pre = rr[4]/rr[3], both over the local mean); rr[4] = 0: next beat
     * not known */
    if ((flags & MONITOR_FLAG_POOR_QUALITY) && rr[3] >= ECG_V_NOISY_ON_TIME && rr[4] > 0 &&
        (int32_t)rr[4] * 64 <= (int32_t)ECG_V_NOISY_PAUSE * rr[3])
        return MONITOR_CLASS_N;
#endif
#if ECG_V_TEMPLATE_SAD
    /* an on-time beat shaped like the patient's usual beat is that beat, whatever the model saw */
    if (window && rr[3] >= ECG_MODEL_TEMPLATE_GATE &&
        qrs_difference(window) <= (int32_t)ECG_V_TEMPLATE_SAD * (2 * V_CHECK_QRS_HALF + 1))
        return MONITOR_CLASS_N;
#endif
    return model_class;
}
