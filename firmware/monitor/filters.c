#include "filters.h"
#include "fixed_point.h"

#if ECG_MAINS_HZ != 0
/* cos(2*pi*mains/fs) folded at compile time from a Taylor series (error
 * < 1e-5 for any angle below pi), so no floating point reaches the target. */
#define NOTCH_W (2.0 * 3.14159265358979323846 * ECG_MAINS_HZ / ECG_SAMPLE_RATE_HZ)
#define NOTCH_W2 (NOTCH_W * NOTCH_W)
#define NOTCH_COS                                                                                  \
    (1.0 - NOTCH_W2 / 2.0 *                                                                        \
               (1.0 - NOTCH_W2 / 12.0 *                                                            \
                          (1.0 - NOTCH_W2 / 30.0 *                                                 \
                                     (1.0 - NOTCH_W2 / 56.0 *                                      \
                                                (1.0 - NOTCH_W2 / 90.0 *                           \
                                                           (1.0 - NOTCH_W2 / 132.0 *               \
                                                                      (1.0 - NOTCH_W2 / 182.0)))))))
static const int32_t notch_cos_q14 = (int32_t)(NOTCH_COS * 16384.0 + (NOTCH_COS >= 0.0 ? 0.5 : -0.5));
#else
static const int32_t notch_cos_q14 = 0;
#endif

int32_t ecg_filters_notch_cos_q14(void)
{
    return notch_cos_q14;
}

void ecg_filters_init(ecg_filters_t *f)
{
    int32_t i;
    for (i = 0; i < ECG_BASELINE_LEN; i++) {
        f->input_ring[i] = 0;
        f->mean_ring[i] = 0;
    }
    for (i = 0; i < ECG_LOWPASS_LEN; i++) {
        f->lowpass_ring[i] = 0;
        f->lowpass_sum_ring[i] = 0;
    }
    f->input_sum = 0;
    f->mean_sum = 0;
    f->baseline_slot = 0;
    f->lowpass_sum1 = 0;
    f->lowpass_sum2 = 0;
    f->lowpass_slot = 0;
    f->notch_x1 = f->notch_x2 = f->notch_y1 = f->notch_y2 = 0;
    f->started = 0;
    f->last_baseline_removed = 0;
    f->last_notched = 0;
    {
        /* Zeros at exp(+-jw), poles at r*exp(+-jw), gain 1 at DC. */
        const int32_t c = notch_cos_q14;
        const int32_t r = ECG_NOTCH_POLE_Q14;
        const int32_t a1 = -(int32_t)(((int64_t)2 * r * c + 8192) >> 14);
        const int32_t a2 = (int32_t)(((int64_t)r * r + 8192) >> 14);
        const int32_t dc_num = 16384 + a1 + a2;
        const int32_t dc_den = 32768 - 2 * c;
        const int32_t b0 = (int32_t)(((int64_t)dc_num * 16384 + dc_den / 2) / dc_den);
        f->notch_a1 = a1;
        f->notch_a2 = a2;
        f->notch_b0 = b0;
        f->notch_b1 = -(int32_t)(((int64_t)2 * b0 * c + 8192) >> 14);
    }
}

/* The baseline estimate needs a full window; seeding it with the first
 * sample avoids a one-second start-up transient. */
static void baseline_seed(ecg_filters_t *f, int16_t x)
{
    int32_t i;
    int32_t mean;
    f->input_sum = 0;
    for (i = 0; i < ECG_BASELINE_LEN; i++) {
        f->input_ring[i] = x;
        f->input_sum += x;
    }
    mean = fx_scale(f->input_sum, FX_RECIP(ECG_BASELINE_LEN));
    f->mean_sum = 0;
    for (i = 0; i < ECG_BASELINE_LEN; i++) {
        f->mean_ring[i] = (int16_t)mean;
        f->mean_sum += mean;
    }
}

static int16_t baseline_remove(ecg_filters_t *f, int16_t x)
{
    int32_t slot = f->baseline_slot;
    int32_t next = slot + 1 == ECG_BASELINE_LEN ? 0 : slot + 1;
    int32_t mean1, mean2;
    int16_t centre;
    f->input_sum += x - f->input_ring[slot];
    f->input_ring[slot] = x;
    /* Two cascaded averages delay by LEN-1: the input that old is at 'next'. */
    centre = f->input_ring[next];
    mean1 = fx_scale(f->input_sum, FX_RECIP(ECG_BASELINE_LEN));
    f->mean_sum += mean1 - f->mean_ring[slot];
    f->mean_ring[slot] = (int16_t)mean1;
    mean2 = fx_scale(f->mean_sum, FX_RECIP(ECG_BASELINE_LEN));
    f->baseline_slot = next;
    return fx_sat16((int32_t)centre - mean2);
}

static int16_t notch(ecg_filters_t *f, int16_t x)
{
#if ECG_MAINS_HZ != 0
    int64_t acc = (int64_t)f->notch_b0 * (x + f->notch_x2) + (int64_t)f->notch_b1 * f->notch_x1 -
                  (int64_t)f->notch_a1 * f->notch_y1 - (int64_t)f->notch_a2 * f->notch_y2;
    int16_t y = fx_sat16((int32_t)((acc + 8192) >> 14));
    f->notch_x2 = f->notch_x1;
    f->notch_x1 = x;
    f->notch_y2 = f->notch_y1;
    f->notch_y1 = y;
    return y;
#else
    (void)f;
    return x;
#endif
}

static int16_t lowpass(ecg_filters_t *f, int16_t x)
{
    int32_t slot = f->lowpass_slot;
    f->lowpass_sum1 += x - f->lowpass_ring[slot];
    f->lowpass_ring[slot] = x;
    f->lowpass_sum2 += f->lowpass_sum1 - f->lowpass_sum_ring[slot];
    f->lowpass_sum_ring[slot] = f->lowpass_sum1;
    f->lowpass_slot = slot + 1 == ECG_LOWPASS_LEN ? 0 : slot + 1;
    return fx_sat16(fx_scale(f->lowpass_sum2, FX_RECIP(ECG_LOWPASS_LEN * ECG_LOWPASS_LEN)));
}

int16_t ecg_filters_push(ecg_filters_t *f, int32_t raw)
{
    int16_t x = fx_sat16(raw - ECG_ADC_ZERO);
    if (!f->started) {
        baseline_seed(f, x);
        f->started = 1;
    }
    f->last_baseline_removed = baseline_remove(f, x);
    f->last_notched = notch(f, f->last_baseline_removed);
    return lowpass(f, f->last_notched);
}
