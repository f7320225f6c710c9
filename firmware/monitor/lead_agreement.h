/* Second-lead agreement: where the primary lead is noisy and the second lead
 * is quiet and regular, a primary beat stands only if the second lead has a
 * beat within the agreement span, and a second-lead beat with no primary
 * beat near it is added. Elsewhere every primary beat stands as detected.
 *
 * Why: in the noise stress test most false beats of the primary lead are as
 * large and steep as true ones, so no single-lead rule separates them, but
 * electrode-motion noise differs between leads. A lead that drops beats (an
 * RR interval over gap_q8/256 of their median in the last regular_span
 * samples) is not trusted to veto. Measured design and figures:
 * docs/alarms.md, "noise round 5: the second lead".
 *
 * Both detectors report beats in stream order, at most `wait - near` samples
 * after their R peak. A beat is decided `wait` samples after its R peak, with
 * the levels the caller passes at that sample, so every beat of either lead
 * within `near` of it is known by then. Integer arithmetic, static memory.
 * Wired into monitor.c: a monitor initialised with config.leads = 2. */
#ifndef ECG_LEAD_AGREEMENT_H
#define ECG_LEAD_AGREEMENT_H

#include <stdint.h>

/* Beats kept per lead: the regular span plus the decision wait, divided by the
 * detector's refractory period (200 ms), must fit: 10 s + 2.6 s -> 63. */
#define LEAD_AGREEMENT_BEATS 64

typedef struct {
    int32_t near;           /* agreement span, samples either side (150 ms) */
    int32_t wait;           /* decision delay after an R peak, samples */
    int32_t regular_span;   /* second-lead RRs looked at before a beat (10 s) */
    int32_t gap_q8;         /* largest RR over their median x 256 still regular */
} lead_agreement_config_t;

typedef struct {
    int32_t positions[LEAD_AGREEMENT_BEATS];
    uint32_t count;         /* beats ever pushed; slot = index % LEAD_AGREEMENT_BEATS */
    uint32_t decided;       /* beats already decided */
} lead_agreement_lead_t;

typedef struct {
    lead_agreement_config_t cfg;
    lead_agreement_lead_t primary;
    lead_agreement_lead_t second;
    uint32_t dropped;       /* primary beats vetoed */
    uint32_t added;         /* second-lead beats added */
} lead_agreement_t;

void lead_agreement_init(lead_agreement_t *la, const lead_agreement_config_t *cfg);
/* R peaks in stream order, each lead's strictly increasing. */
void lead_agreement_primary(lead_agreement_t *la, int32_t position);
void lead_agreement_second(lead_agreement_t *la, int32_t position);
/* `now`: the sample both detectors have processed. primary_noisy / second_quiet:
 * each detector's levels at `now`. Writes at most max_out beats decided at
 * `now`, in position order, to out; returns how many. Beats left over are
 * decided at the next call (call once per sample to decide each at its time). */
int lead_agreement_advance(lead_agreement_t *la, int32_t now, int primary_noisy, int second_quiet,
                           int32_t *out, int max_out);

#endif
