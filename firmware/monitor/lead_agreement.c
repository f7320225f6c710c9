#include "lead_agreement.h"

static int32_t at(const lead_agreement_lead_t *lead, uint32_t index)
{
    return lead->positions[index % LEAD_AGREEMENT_BEATS];
}

static uint32_t oldest(const lead_agreement_lead_t *lead)
{
    return lead->count > LEAD_AGREEMENT_BEATS ? lead->count - LEAD_AGREEMENT_BEATS : 0u;
}

static void push(lead_agreement_lead_t *lead, int32_t position)
{
    lead->positions[lead->count % LEAD_AGREEMENT_BEATS] = position;
    lead->count++;
    if (lead->decided < oldest(lead)) {
        lead->decided = oldest(lead); /* overwritten before its turn: cannot happen at the sizes above */
    }
}

static int has_beat_near(const lead_agreement_lead_t *lead, int32_t position, int32_t near)
{
    uint32_t i;
    for (i = oldest(lead); i < lead->count; i++) {
        int32_t d = at(lead, i) - position;
        if (d >= -near && d <= near) {
            return 1;
        }
    }
    return 0;
}

/* Second-lead beats in [position - span, position): at least 5, and no RR
 * interval over gap_q8/256 of their median (even count: mean of the middle two). */
static int second_regular(const lead_agreement_t *la, int32_t position)
{
    const lead_agreement_lead_t *lead = &la->second;
    int32_t rr[LEAD_AGREEMENT_BEATS];
    int n = 0, i, j;
    int32_t previous = 0, largest = 0;
    int have_previous = 0;
    uint32_t k;
    int64_t median2;
    for (k = oldest(lead); k < lead->count; k++) {
        int32_t p = at(lead, k);
        if (p < position - la->cfg.regular_span || p >= position) {
            continue;
        }
        if (have_previous) {
            int32_t v = p - previous;
            for (j = n; j > 0 && rr[j - 1] > v; j--) { /* insertion sort, at most 63 values */
                rr[j] = rr[j - 1];
            }
            rr[j] = v;
            n++;
            if (v > largest) {
                largest = v;
            }
        }
        previous = p;
        have_previous = 1;
    }
    if (n < 4) {
        return 0;
    }
    i = n / 2;
    median2 = (n % 2) ? 2 * (int64_t)rr[i] : (int64_t)rr[i - 1] + rr[i];
    return (int64_t)largest * 512 <= median2 * la->cfg.gap_q8;
}

void lead_agreement_init(lead_agreement_t *la, const lead_agreement_config_t *cfg)
{
    lead_agreement_t zero = {0};
    *la = zero;
    la->cfg = *cfg;
}

void lead_agreement_primary(lead_agreement_t *la, int32_t position)
{
    push(&la->primary, position);
}

void lead_agreement_second(lead_agreement_t *la, int32_t position)
{
    push(&la->second, position);
}

int lead_agreement_advance(lead_agreement_t *la, int32_t now, int primary_noisy, int second_quiet,
                           int32_t *out, int max_out)
{
    int written = 0;
    int32_t due = now - la->cfg.wait;
    while (written < max_out) {
        lead_agreement_lead_t *p = &la->primary, *s = &la->second;
        int p_due = p->decided < p->count && at(p, p->decided) <= due;
        int s_due = s->decided < s->count && at(s, s->decided) <= due;
        if (!p_due && !s_due) {
            break;
        }
        if (p_due && (!s_due || at(p, p->decided) <= at(s, s->decided))) {
            int32_t r = at(p, p->decided++);
            int veto = primary_noisy && second_quiet && second_regular(la, r);
            if (!veto || has_beat_near(s, r, la->cfg.near)) {
                out[written++] = r;
            } else {
                la->dropped++;
            }
        } else {
            int32_t r = at(s, s->decided++);
            int veto = primary_noisy && second_quiet && second_regular(la, r);
            if (veto && !has_beat_near(p, r, la->cfg.near)) {
                out[written++] = r;
                la->added++;
            }
        }
    }
    return written;
}
