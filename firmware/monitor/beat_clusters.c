#include "beat_clusters.h"

#define TEMPLATE_SHIFT 4
#define RATE_SHIFT 3
#define COUNT_LIMIT 1024
#define RR_SHIFT 4
#define QRS_LIMIT ((int32_t)ECG_CLUSTER_QRS_SAD * CLUSTER_QRS_POINTS * (1 << TEMPLATE_SHIFT))
#define P_LIMIT ((int32_t)ECG_CLUSTER_P_SAD * CLUSTER_P_POINTS * (1 << TEMPLATE_SHIFT))

static int32_t floor_div(int32_t num, int32_t den)
{
    return num >= 0 ? num / den : -((-num + den - 1) / den);
}

static int32_t sad(const int16_t *a, const int16_t *b, int n)
{
    int32_t total = 0;
    int i;
    for (i = 0; i < n; i++) total += a[i] > b[i] ? a[i] - b[i] : b[i] - a[i];
    return total;
}

static void clear_cluster(beat_cluster_t *c)
{
    int k;
    c->count = c->rr_count = 0;
    for (k = 0; k < MONITOR_CLASS_COUNT; k++) c->votes[k] = 0;
    c->pre16 = c->spread16 = 0;
    c->last_seen = 0;
}

void beat_clusters_init(beat_clusters_t *b)
{
    int i, k;
    for (i = 0; i < ECG_CLUSTER_COUNT; i++) {
        clear_cluster(&b->clusters[i]);
        for (k = 0; k < CLUSTER_QRS_POINTS; k++) b->clusters[i].qrs[k] = 0;
        for (k = 0; k < CLUSTER_P_POINTS; k++) b->clusters[i].p[k] = 0;
    }
    b->beats = b->relabelled = 0;
    b->after_v = 0;
    b->last_pre = -1;
    b->jump16 = 0;
}

static void beat_shape(const int8_t *window, int16_t *qrs, int16_t *p)
{
    const int stride = ECG_MODEL_WINDOW_CHANNELS;
    int32_t sum = 0, mean;
    int k;
    for (k = 0; k < CLUSTER_QRS_POINTS; k++)
        qrs[k] = (int16_t)(window[(ECG_MODEL_R_OFFSET - CLUSTER_QRS_HALF + k * CLUSTER_STEP) * stride] *
                           (1 << TEMPLATE_SHIFT));
    for (k = 0; k < CLUSTER_P_POINTS; k++) sum += window[(ECG_MODEL_R_OFFSET - CLUSTER_P_FIRST + k * CLUSTER_STEP) * stride];
    mean = floor_div(sum, CLUSTER_P_POINTS);
    for (k = 0; k < CLUSTER_P_POINTS; k++)
        p[k] = (int16_t)((window[(ECG_MODEL_R_OFFSET - CLUSTER_P_FIRST + k * CLUSTER_STEP) * stride] - mean) *
                         (1 << TEMPLATE_SHIFT));
}

static int assign(beat_clusters_t *b, const int16_t *qrs, const int16_t *p)
{
    int best = -1, weakest = 0, i, k;
    int32_t best_distance = 0;
    beat_cluster_t *c;
    for (i = 0; i < ECG_CLUSTER_COUNT; i++) {
        int32_t dq, dp;
        c = &b->clusters[i];
        if (c->count == 0) continue;
        dq = sad(qrs, c->qrs, CLUSTER_QRS_POINTS);
        dp = sad(p, c->p, CLUSTER_P_POINTS);
        if (dq > QRS_LIMIT || dp > P_LIMIT) continue;
        if (best < 0 || dq + dp < best_distance) {
            best = i;
            best_distance = dq + dp;
        }
    }
    if (best >= 0) return best;
    /* a new shape: a free slot, else the cluster with the fewest beats (the first on ties) */
    for (i = 1; i < ECG_CLUSTER_COUNT; i++)
        if (b->clusters[i].count < b->clusters[weakest].count) weakest = i;
    c = &b->clusters[weakest];
    clear_cluster(c);
    for (k = 0; k < CLUSTER_QRS_POINTS; k++) c->qrs[k] = qrs[k];
    for (k = 0; k < CLUSTER_P_POINTS; k++) c->p[k] = p[k];
    return weakest;
}

static void update(beat_clusters_t *b, beat_cluster_t *c, const int16_t *qrs, const int16_t *p, int32_t pre,
                   uint8_t model_class)
{
    int k;
    if (c->count > 0) {
        for (k = 0; k < CLUSTER_QRS_POINTS; k++) c->qrs[k] = (int16_t)(c->qrs[k] + ((qrs[k] - c->qrs[k]) >> RATE_SHIFT));
        for (k = 0; k < CLUSTER_P_POINTS; k++) c->p[k] = (int16_t)(c->p[k] + ((p[k] - c->p[k]) >> RATE_SHIFT));
    }
    if (!b->after_v) {
        int32_t pre16 = pre * (1 << RR_SHIFT);
        if (c->rr_count == 0) {
            c->pre16 = pre16;
            c->spread16 = 0;
        } else {
            int32_t deviation = pre16 > c->pre16 ? pre16 - c->pre16 : c->pre16 - pre16;
            c->spread16 += (deviation - c->spread16) >> RATE_SHIFT;
            c->pre16 += (pre16 - c->pre16) >> RATE_SHIFT;
        }
        if (c->rr_count < COUNT_LIMIT) c->rr_count++;
    }
    c->count++;
    c->votes[model_class]++;
    c->last_seen = b->beats;
    if (c->count >= COUNT_LIMIT) {
        c->count >>= 1;
        for (k = 0; k < MONITOR_CLASS_COUNT; k++) c->votes[k] >>= 1;
    }
}

/* The running irregularity of the patient's rhythm; pauses after V calls are compensatory, not atrial. */
static void follow_rhythm(beat_clusters_t *b, int32_t pre, int after_v)
{
    if (after_v) {
        b->last_pre = -1;
        return;
    }
    if (b->last_pre >= 0) {
        int32_t jump = pre > b->last_pre ? pre - b->last_pre : b->last_pre - pre;
        b->jump16 += (jump * (1 << RR_SHIFT) - b->jump16) >> RATE_SHIFT;
    }
    b->last_pre = (int16_t)pre;
}

/* Guard against relabelling in fibrillation or flutter the AF detector has not flagged: an ectopic
 * atrial rhythm comes at a steady rate, conducted fibrillation does not. */
static int regular_enough(const beat_clusters_t *b, const beat_cluster_t *c, const beat_cluster_t *r)
{
#if ECG_CLUSTER_S_SPREAD
#if ECG_CLUSTER_S_SPREAD_RR > 0
    if (c->rr_count < ECG_CLUSTER_S_SPREAD_RR) return 0;
#endif
    if (c->spread16 * 64 > (int32_t)ECG_CLUSTER_S_SPREAD * c->pre16) return 0;
#endif
#if ECG_CLUSTER_S_IRREGULAR
    if (b->jump16 * 64 > (int32_t)ECG_CLUSTER_S_IRREGULAR * r->pre16) return 0;
#endif
    (void)b;
    (void)c;
    (void)r;
    return 1;
}

static int reference(const beat_clusters_t *b)
{
    int ref = -1, i;
    for (i = 0; i < ECG_CLUSTER_COUNT; i++) {
        const beat_cluster_t *c = &b->clusters[i];
        if (c->rr_count < ECG_CLUSTER_MIN_BEATS || 2 * (uint32_t)c->votes[MONITOR_CLASS_N] <= c->count) continue;
        if (b->beats - c->last_seen > (uint32_t)ECG_CLUSTER_RECENT_BEATS) continue;
        if (ref < 0 || c->pre16 > b->clusters[ref].pre16) ref = i;
    }
    return ref;
}

uint8_t beat_clusters_on_beat(beat_clusters_t *b, const int8_t *window, const int8_t *rr, uint8_t model_class,
                              int certain, int af_active)
{
    int16_t qrs[CLUSTER_QRS_POINTS], p[CLUSTER_P_POINTS];
    uint8_t after_v = b->after_v, reported = model_class;
    int32_t pre, next, early;
    int index, ref, same_qrs, other_p, may_be_s;
    beat_cluster_t *c, *r;
    if (!window || !certain || model_class >= MONITOR_CLASS_COUNT) {
        b->after_v = model_class == MONITOR_CLASS_V;
        return model_class;
    }
    beat_shape(window, qrs, p);
    pre = rr[0];
    next = rr[1];
    (void)next; /* read only by the rules that are built in */
    index = assign(b, qrs, p);
    b->beats++;
    c = &b->clusters[index];
    update(b, c, qrs, p, pre, model_class);
    follow_rhythm(b, pre, after_v);
    b->after_v = model_class == MONITOR_CLASS_V;
    if (af_active || b->beats < ECG_CLUSTER_MIN_BEATS) return model_class;
    ref = reference(b);
    if (ref < 0) return model_class;
    r = &b->clusters[ref];
    same_qrs = sad(c->qrs, r->qrs, CLUSTER_QRS_POINTS) <= QRS_LIMIT;
    may_be_s = !after_v && regular_enough(b, c, r);
#if ECG_CLUSTER_S_RULE == 0
    /* the beat's cluster (its P wave) is not the reference's and comes early as a whole */
    other_p = index != ref && c->rr_count > 0;
#else
    /* the beat alone comes early against the reference's RR, whatever its P wave */
    other_p = 1;
#endif
    if (model_class == MONITOR_CLASS_N && other_p && same_qrs && may_be_s &&
        2 * (uint32_t)c->votes[MONITOR_CLASS_V] <= c->count) {
        early = (int32_t)ECG_CLUSTER_S_RATIO * r->pre16;
        if ((ECG_CLUSTER_S_RULE == 1 || c->pre16 * 64 < early) && pre * (1 << (RR_SHIFT + 6)) < early)
            reported = MONITOR_CLASS_S;
    }
#if ECG_CLUSTER_S_VOTES
    else if (model_class == MONITOR_CLASS_N && may_be_s && c->count >= ECG_CLUSTER_MIN_BEATS &&
             2 * (uint32_t)c->votes[MONITOR_CLASS_S] > c->count)
        reported = MONITOR_CLASS_S; /* a cluster the model calls mostly S */
#endif
#if ECG_CLUSTER_V
    else if (model_class == MONITOR_CLASS_V && same_qrs &&
             64 * (uint32_t)c->votes[MONITOR_CLASS_V] <= (uint32_t)ECG_CLUSTER_V_LONE * c->count)
        reported = MONITOR_CLASS_N;
#endif
#if ECG_CLUSTER_V_ON_TIME
    /* at the sinus rate with no pause after it: not a ventricular ectopic beat */
    else if (model_class == MONITOR_CLASS_V && c->rr_count > 0 &&
             pre * (1 << (RR_SHIFT + 6)) >= (int32_t)ECG_CLUSTER_V_ON_TIME * r->pre16 &&
             c->pre16 * 64 >= (int32_t)ECG_CLUSTER_V_ON_TIME * r->pre16 &&
             next * 64 < (int32_t)ECG_CLUSTER_V_ON_TIME_NEXT * pre)
        reported = MONITOR_CLASS_N;
#endif
#if ECG_CLUSTER_V
    else if (model_class == MONITOR_CLASS_N && c->count >= ECG_CLUSTER_MIN_BEATS &&
             2 * (uint32_t)c->votes[MONITOR_CLASS_V] > c->count)
        reported = MONITOR_CLASS_V;
#endif
#if ECG_CLUSTER_S_PAUSE
    /* premature against the sinus RR and the interval after it longer, whatever its cluster: S beats whose P
     * wave the templates do not tell apart, or whose cluster mixes early and on-time beats */
    if (reported == model_class && model_class == MONITOR_CLASS_N && same_qrs && may_be_s &&
        2 * (uint32_t)c->votes[MONITOR_CLASS_V] <= c->count &&
        pre * (1 << (RR_SHIFT + 6)) < (int32_t)ECG_CLUSTER_S_PAUSE * r->pre16 &&
        next * 64 >= (int32_t)ECG_CLUSTER_S_PAUSE_NEXT * pre)
        reported = MONITOR_CLASS_S;
#endif
    if (reported != model_class) b->relabelled++;
    return reported;
}
