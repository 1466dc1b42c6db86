/* hl_qp: slice bytes and slice QPs of H.264 and HEVC packets, from the NAL unit headers, the
 * parameter sets and the slice headers up to slice_qp_delta (ITU-T H.264 7.3, H.265 7.3). Nothing
 * is decoded: this is a few hundred bits per slice. */
#include "engine/highlights/hl_qp.h"

#include <stdlib.h>
#include <string.h>

#include "util/rc.h"

#define MAX_SPS 32
#define MAX_PPS 256
#define MAX_RPS 65 /* HEVC: num_short_term_ref_pic_sets <= 64, plus the slice's own */
#define NO_QP -100.0
#define DEPENDENT -200.0
#define HEADER_BYTES 1024 /* of a NAL unit unescaped for parsing: far more than a slice header */

typedef struct bits {
    const uint8_t *p;
    size_t n, pos; /* in bits */
    int bad;       /* read past the end or a malformed code */
} bits;

static unsigned u(bits *b, int k) {
    unsigned v = 0;
    for (int i = 0; i < k; i++) {
        if (b->pos >= b->n) {
            b->bad = 1;
            return 0;
        }
        v = (v << 1) | ((b->p[b->pos >> 3] >> (7 - (b->pos & 7))) & 1u);
        b->pos++;
    }
    return v;
}

static unsigned ue(bits *b) {
    int zeros = 0;
    while (!b->bad && u(b, 1) == 0)
        if (++zeros > 31) {
            b->bad = 1;
            return 0;
        }
    if (b->bad)
        return 0;
    return (unsigned)((1ull << zeros) - 1 + u(b, zeros));
}

static int se(bits *b) {
    unsigned k = ue(b);
    return (k & 1) ? (int)((k + 1) / 2) : -(int)(k / 2);
}

static int ceil_log2(unsigned v) {
    int k = 0;
    while ((1u << k) < v)
        k++;
    return k;
}

typedef struct h264_sps {
    int valid, chroma_array_type, separate_colour_plane, log2_max_frame_num, poc_type;
    int log2_max_poc_lsb, delta_pic_order_always_zero, frame_mbs_only;
} h264_sps;

typedef struct h264_pps {
    int valid, sps, cabac, bottom_field_pic_order, num_ref_l0, num_ref_l1, weighted_pred;
    int weighted_bipred_idc, init_qp, redundant_pic_cnt;
} h264_pps;

typedef struct hevc_rps {
    int num_neg, num_pos, num_used; /* pictures before and after; how many the current one uses */
    int d0[16], d1[16];             /* their POC distances */
    uint8_t u0[16], u1[16];         /* used by the current picture */
} hevc_rps;

typedef struct hevc_sps {
    int valid, chroma_array_type, separate_colour_plane, log2_max_poc_lsb, pic_size_ctbs;
    int sao, num_rps, long_term, num_lt_sps, temporal_mvp;
    uint8_t lt_used[33];
    hevc_rps rps[MAX_RPS];
} hevc_sps;

typedef struct hevc_pps {
    int valid, sps, dependent_slices, output_flag, extra_bits, cabac_init, num_ref_l0;
    int num_ref_l1, init_qp, weighted_pred, weighted_bipred, lists_modification;
} hevc_pps;

struct hl_qp {
    int codec;
    int length_size; /* 0: Annex B */
    double last_qp;  /* of the last independent slice (HEVC dependent slices inherit it) */
    uint8_t buf[HEADER_BYTES];
    union {
        struct {
            h264_sps sps[MAX_SPS];
            h264_pps pps[MAX_PPS];
        } avc;
        struct {
            hevc_sps sps[16];
            hevc_pps pps[64];
        } hevc;
    } u;
};

/* The first bytes of a NAL unit (after its header) with emulation prevention removed. */
static bits unescape(hl_qp *q, const uint8_t *p, size_t n) {
    size_t o = 0, zeros = 0;
    for (size_t i = 0; i < n && o < HEADER_BYTES; i++) {
        if (zeros >= 2 && p[i] == 3) {
            zeros = 0;
            continue;
        }
        zeros = p[i] == 0 ? zeros + 1 : 0;
        q->buf[o++] = p[i];
    }
    return (bits){q->buf, o * 8, 0, 0};
}

static void skip_scaling_list(bits *b, int size) {
    int last = 8, next = 8;
    for (int j = 0; j < size && !b->bad; j++) {
        if (next != 0)
            next = (last + se(b) + 256) % 256;
        last = next == 0 ? last : next;
    }
}

/* ---- H.264 ---- */

static void h264_parse_sps(hl_qp *q, bits *b) {
    unsigned profile = u(b, 8);
    u(b, 16); /* constraint flags, level */
    unsigned id = ue(b);
    if (b->bad || id >= MAX_SPS)
        return;
    h264_sps s = {0};
    int chroma_format = 1;
    if (profile == 100 || profile == 110 || profile == 122 || profile == 244 || profile == 44 ||
        profile == 83 || profile == 86 || profile == 118 || profile == 128 || profile == 138 ||
        profile == 139 || profile == 134 || profile == 135) {
        chroma_format = (int)ue(b);
        if (chroma_format == 3)
            s.separate_colour_plane = (int)u(b, 1);
        ue(b); /* bit depths */
        ue(b);
        u(b, 1);
        if (u(b, 1)) /* seq_scaling_matrix_present_flag */
            for (int i = 0; i < (chroma_format != 3 ? 8 : 12); i++)
                if (u(b, 1))
                    skip_scaling_list(b, i < 6 ? 16 : 64);
    }
    s.chroma_array_type = s.separate_colour_plane ? 0 : chroma_format;
    s.log2_max_frame_num = (int)ue(b) + 4;
    s.poc_type = (int)ue(b);
    if (s.poc_type == 0) {
        s.log2_max_poc_lsb = (int)ue(b) + 4;
    } else if (s.poc_type == 1) {
        s.delta_pic_order_always_zero = (int)u(b, 1);
        se(b);
        se(b);
        unsigned cycle = ue(b);
        for (unsigned i = 0; i < cycle && i < 256 && !b->bad; i++)
            se(b);
    }
    ue(b); /* max_num_ref_frames */
    u(b, 1);
    ue(b); /* size */
    ue(b);
    s.frame_mbs_only = (int)u(b, 1);
    if (b->bad || s.log2_max_frame_num > 16 || s.log2_max_poc_lsb > 16 || s.poc_type > 2)
        return;
    s.valid = 1;
    q->u.avc.sps[id] = s;
}

static void h264_parse_pps(hl_qp *q, bits *b) {
    unsigned id = ue(b), sps = ue(b);
    if (b->bad || id >= MAX_PPS || sps >= MAX_SPS)
        return;
    h264_pps p = {0};
    p.sps = (int)sps;
    p.cabac = (int)u(b, 1);
    p.bottom_field_pic_order = (int)u(b, 1);
    if (ue(b) != 0) /* slice groups (FMO, Baseline only): not followed */
        return;
    p.num_ref_l0 = (int)ue(b) + 1;
    p.num_ref_l1 = (int)ue(b) + 1;
    p.weighted_pred = (int)u(b, 1);
    p.weighted_bipred_idc = (int)u(b, 2);
    p.init_qp = 26 + se(b);
    se(b); /* pic_init_qs */
    se(b); /* chroma_qp_index_offset */
    u(b, 1);
    u(b, 1);
    p.redundant_pic_cnt = (int)u(b, 1);
    if (b->bad)
        return;
    p.valid = 1;
    q->u.avc.pps[id] = p;
}

static void h264_pred_weights(bits *b, int chroma, int n) {
    for (int i = 0; i < n && !b->bad; i++) {
        if (u(b, 1)) {
            se(b);
            se(b);
        }
        if (chroma && u(b, 1))
            for (int j = 0; j < 4; j++)
                se(b);
    }
}

/* The slice QP, or -100 when unreadable. */
static double h264_slice_qp(hl_qp *q, bits *b, int nal_type, int ref_idc) {
    ue(b); /* first_mb_in_slice */
    unsigned type = ue(b) % 5;
    unsigned pps_id = ue(b);
    if (b->bad || pps_id >= MAX_PPS || !q->u.avc.pps[pps_id].valid)
        return NO_QP;
    const h264_pps *p = &q->u.avc.pps[pps_id];
    const h264_sps *s = &q->u.avc.sps[p->sps];
    if (!s->valid)
        return NO_QP;
    int is_p = type == 0 || type == 3, is_b = type == 1, is_i = type == 2 || type == 4;
    if (s->separate_colour_plane)
        u(b, 2);
    u(b, s->log2_max_frame_num);
    int field = 0;
    if (!s->frame_mbs_only) {
        field = (int)u(b, 1);
        if (field)
            u(b, 1);
    }
    if (nal_type == 5)
        ue(b); /* idr_pic_id */
    if (s->poc_type == 0) {
        u(b, s->log2_max_poc_lsb);
        if (p->bottom_field_pic_order && !field)
            se(b);
    }
    if (s->poc_type == 1 && !s->delta_pic_order_always_zero) {
        se(b);
        if (p->bottom_field_pic_order && !field)
            se(b);
    }
    if (p->redundant_pic_cnt)
        ue(b);
    if (is_b)
        u(b, 1); /* direct_spatial_mv_pred_flag */
    int l0 = p->num_ref_l0, l1 = p->num_ref_l1;
    if (is_p || is_b) {
        if (u(b, 1)) {
            l0 = (int)ue(b) + 1;
            if (is_b)
                l1 = (int)ue(b) + 1;
        }
    }
    if (l0 > 32 || l1 > 32)
        return NO_QP;
    /* ref_pic_list_modification (nal types 20/21 are MVC: not here) */
    for (int list = 0; list < (is_b ? 2 : is_i ? 0 : 1) && !b->bad; list++) {
        if (!u(b, 1))
            continue;
        for (int guard = 0; guard < 100 && !b->bad; guard++) {
            unsigned idc = ue(b);
            if (idc == 3)
                break;
            if (idc > 5)
                return NO_QP;
            ue(b);
        }
    }
    if ((p->weighted_pred && is_p) || (p->weighted_bipred_idc == 1 && is_b)) {
        ue(b);
        if (s->chroma_array_type)
            ue(b);
        h264_pred_weights(b, s->chroma_array_type != 0, l0);
        if (is_b)
            h264_pred_weights(b, s->chroma_array_type != 0, l1);
    }
    if (ref_idc) {
        if (nal_type == 5) {
            u(b, 2);
        } else if (u(b, 1)) {
            for (int guard = 0; guard < 100 && !b->bad; guard++) {
                unsigned op = ue(b);
                if (op == 0)
                    break;
                if (op > 6)
                    return NO_QP;
                if (op == 1 || op == 3)
                    ue(b);
                if (op == 2)
                    ue(b);
                if (op == 3 || op == 6)
                    ue(b);
                if (op == 4)
                    ue(b);
            }
        }
    }
    if (p->cabac && !is_i)
        ue(b);
    int qp = p->init_qp + se(b);
    if (b->bad || qp < -12 || qp > 51)
        return NO_QP;
    return qp;
}

/* ---- HEVC ---- */

static void hevc_skip_ptl(bits *b, int max_sub_layers_minus1) {
    u(b, 8);
    u(b, 32);
    u(b, 4);
    u(b, 32);
    u(b, 12); /* 43 reserved/constraint bits + inbld */
    u(b, 8);  /* general_level_idc */
    int prof[8] = {0}, lvl[8] = {0};
    for (int i = 0; i < max_sub_layers_minus1; i++) {
        prof[i] = (int)u(b, 1);
        lvl[i] = (int)u(b, 1);
    }
    if (max_sub_layers_minus1 > 0)
        for (int i = max_sub_layers_minus1; i < 8; i++)
            u(b, 2);
    for (int i = 0; i < max_sub_layers_minus1; i++) {
        if (prof[i]) {
            u(b, 32);
            u(b, 32);
            u(b, 24);
        }
        if (lvl[i])
            u(b, 8);
    }
}

static void hevc_skip_scaling_list_data(bits *b) {
    for (int size = 0; size < 4; size++)
        for (int m = 0; m < 6 && !b->bad; m += size == 3 ? 3 : 1) {
            if (!u(b, 1)) {
                ue(b);
                continue;
            }
            int coefs = 1 << (4 + (size << 1));
            if (coefs > 64)
                coefs = 64;
            if (size > 1)
                se(b);
            for (int i = 0; i < coefs && !b->bad; i++)
                se(b);
        }
}

/* st_ref_pic_set(idx) of H.265 7.3.7 with the derivation of 7.4.8 into *out; sets holds the SPS
 * sets 0..num-1. Returns 0 or -1. */
static int hevc_parse_rps(bits *b, int idx, int num, const hevc_rps *sets, hevc_rps *out) {
    hevc_rps r;
    memset(&r, 0, sizeof(r));
    int inter = idx != 0 ? (int)u(b, 1) : 0;
    if (inter) {
        int delta_idx = 1;
        if (idx == num)
            delta_idx = (int)ue(b) + 1;
        if (delta_idx > idx)
            return -1;
        int sign = (int)u(b, 1);
        int delta_rps = (1 - 2 * sign) * ((int)ue(b) + 1);
        const hevc_rps *ref = &sets[idx - delta_idx];
        int total = ref->num_neg + ref->num_pos;
        uint8_t used[33], use[33];
        for (int j = 0; j <= total && !b->bad; j++) {
            used[j] = (uint8_t)u(b, 1);
            use[j] = used[j] ? 1 : (uint8_t)u(b, 1);
        }
        if (b->bad)
            return -1;
        int i = 0;
        for (int j = ref->num_pos - 1; j >= 0; j--) {
            int d = ref->d1[j] + delta_rps;
            if (d < 0 && use[ref->num_neg + j] && i < 16) {
                r.d0[i] = d;
                r.u0[i++] = used[ref->num_neg + j];
            }
        }
        if (delta_rps < 0 && use[total] && i < 16) {
            r.d0[i] = delta_rps;
            r.u0[i++] = used[total];
        }
        for (int j = 0; j < ref->num_neg; j++) {
            int d = ref->d0[j] + delta_rps;
            if (d < 0 && use[j] && i < 16) {
                r.d0[i] = d;
                r.u0[i++] = used[j];
            }
        }
        r.num_neg = i;
        i = 0;
        for (int j = ref->num_neg - 1; j >= 0; j--) {
            int d = ref->d0[j] + delta_rps;
            if (d > 0 && use[j] && i < 16) {
                r.d1[i] = d;
                r.u1[i++] = used[j];
            }
        }
        if (delta_rps > 0 && use[total] && i < 16) {
            r.d1[i] = delta_rps;
            r.u1[i++] = used[total];
        }
        for (int j = 0; j < ref->num_pos; j++) {
            int d = ref->d1[j] + delta_rps;
            if (d > 0 && use[ref->num_neg + j] && i < 16) {
                r.d1[i] = d;
                r.u1[i++] = used[ref->num_neg + j];
            }
        }
        r.num_pos = i;
    } else {
        unsigned neg = ue(b), pos = ue(b);
        if (neg > 16 || pos > 16)
            return -1;
        int prev = 0;
        for (unsigned i = 0; i < neg && !b->bad; i++) {
            prev -= (int)ue(b) + 1;
            r.d0[i] = prev;
            r.u0[i] = (uint8_t)u(b, 1);
        }
        prev = 0;
        for (unsigned i = 0; i < pos && !b->bad; i++) {
            prev += (int)ue(b) + 1;
            r.d1[i] = prev;
            r.u1[i] = (uint8_t)u(b, 1);
        }
        r.num_neg = (int)neg;
        r.num_pos = (int)pos;
    }
    if (b->bad)
        return -1;
    for (int i = 0; i < r.num_neg; i++)
        r.num_used += r.u0[i];
    for (int i = 0; i < r.num_pos; i++)
        r.num_used += r.u1[i];
    *out = r;
    return 0;
}

static void hevc_parse_sps(hl_qp *q, bits *b) {
    u(b, 4);
    int max_sub = (int)u(b, 3);
    u(b, 1);
    hevc_skip_ptl(b, max_sub);
    unsigned id = ue(b);
    if (b->bad || id >= 16)
        return;
    hevc_sps s;
    memset(&s, 0, sizeof(s));
    int chroma_format = (int)ue(b);
    if (chroma_format == 3)
        s.separate_colour_plane = (int)u(b, 1);
    s.chroma_array_type = s.separate_colour_plane ? 0 : chroma_format;
    unsigned w = ue(b), h = ue(b);
    if (u(b, 1))
        for (int i = 0; i < 4; i++)
            ue(b);
    ue(b);
    ue(b);
    s.log2_max_poc_lsb = (int)ue(b) + 4;
    int sub_info = (int)u(b, 1);
    for (int i = sub_info ? 0 : max_sub; i <= max_sub; i++) {
        ue(b);
        ue(b);
        ue(b);
    }
    int log2_min_cb = (int)ue(b) + 3;
    int log2_ctb = log2_min_cb + (int)ue(b);
    ue(b);
    ue(b);
    ue(b);
    ue(b);
    if (log2_ctb > 7 || s.log2_max_poc_lsb > 16 || b->bad)
        return;
    unsigned ctb = 1u << log2_ctb;
    s.pic_size_ctbs = (int)(((w + ctb - 1) / ctb) * ((h + ctb - 1) / ctb));
    if (u(b, 1) && u(b, 1))
        hevc_skip_scaling_list_data(b);
    u(b, 1); /* amp */
    s.sao = (int)u(b, 1);
    if (u(b, 1)) { /* pcm */
        u(b, 8);
        ue(b);
        ue(b);
        u(b, 1);
    }
    s.num_rps = (int)ue(b);
    if (s.num_rps > 64)
        return;
    for (int i = 0; i < s.num_rps; i++)
        if (hevc_parse_rps(b, i, s.num_rps, s.rps, &s.rps[i]))
            return;
    s.long_term = (int)u(b, 1);
    if (s.long_term) {
        s.num_lt_sps = (int)ue(b);
        if (s.num_lt_sps > 32)
            return;
        for (int i = 0; i < s.num_lt_sps; i++) {
            u(b, s.log2_max_poc_lsb);
            s.lt_used[i] = (uint8_t)u(b, 1);
        }
    }
    s.temporal_mvp = (int)u(b, 1);
    if (b->bad)
        return;
    s.valid = 1;
    q->u.hevc.sps[id] = s;
}

static void hevc_parse_pps(hl_qp *q, bits *b) {
    unsigned id = ue(b), sps = ue(b);
    if (b->bad || id >= 64 || sps >= 16)
        return;
    hevc_pps p = {0};
    p.sps = (int)sps;
    p.dependent_slices = (int)u(b, 1);
    p.output_flag = (int)u(b, 1);
    p.extra_bits = (int)u(b, 3);
    u(b, 1);
    p.cabac_init = (int)u(b, 1);
    p.num_ref_l0 = (int)ue(b) + 1;
    p.num_ref_l1 = (int)ue(b) + 1;
    p.init_qp = 26 + se(b);
    u(b, 1);
    int transform_skip = (int)u(b, 1);
    if (u(b, 1))
        ue(b);
    se(b);
    se(b);
    u(b, 1);
    p.weighted_pred = (int)u(b, 1);
    p.weighted_bipred = (int)u(b, 1);
    u(b, 1);
    int tiles = (int)u(b, 1);
    u(b, 1);
    if (tiles) {
        unsigned cols = ue(b) + 1, rows = ue(b) + 1;
        if (cols > 64 || rows > 64)
            return;
        if (!u(b, 1)) {
            for (unsigned i = 0; i + 1 < cols; i++)
                ue(b);
            for (unsigned i = 0; i + 1 < rows; i++)
                ue(b);
        }
        u(b, 1);
    }
    u(b, 1);
    if (u(b, 1)) { /* deblocking_filter_control_present */
        u(b, 1);
        if (!u(b, 1)) {
            se(b);
            se(b);
        }
    }
    if (u(b, 1))
        hevc_skip_scaling_list_data(b);
    p.lists_modification = (int)u(b, 1);
    ue(b);
    u(b, 1);       /* slice_segment_header_extension_present: after the QP */
    if (u(b, 1)) { /* pps_extension_present */
        int range = (int)u(b, 1), multilayer = (int)u(b, 1), ext3d = (int)u(b, 1);
        int scc = (int)u(b, 1);
        u(b, 4);
        if (multilayer || ext3d || scc)
            return;  /* slice headers of those carry more: not followed */
        (void)range; /* its fields come after the QP in the slice header */
        (void)transform_skip;
    }
    if (b->bad)
        return;
    p.valid = 1;
    q->u.hevc.pps[id] = p;
}

static void hevc_pred_weights(bits *b, int chroma, int l0, int l1) {
    for (int list = 0; list < (l1 ? 2 : 1) && !b->bad; list++) {
        int n = list ? l1 : l0;
        uint8_t lw[16] = {0}, cw[16] = {0};
        for (int i = 0; i < n; i++)
            lw[i] = (uint8_t)u(b, 1);
        if (chroma)
            for (int i = 0; i < n; i++)
                cw[i] = (uint8_t)u(b, 1);
        for (int i = 0; i < n && !b->bad; i++) {
            if (lw[i]) {
                se(b);
                se(b);
            }
            if (cw[i])
                for (int j = 0; j < 4; j++)
                    se(b);
        }
    }
}

/* The slice QP, -100 if unreadable, -200 for a dependent slice segment (inherits its QP). */
static double hevc_slice_qp(hl_qp *q, bits *b, int nal_type) {
    int first = (int)u(b, 1);
    if (nal_type >= 16 && nal_type <= 23)
        u(b, 1);
    unsigned pps_id = ue(b);
    if (b->bad || pps_id >= 64 || !q->u.hevc.pps[pps_id].valid)
        return NO_QP;
    const hevc_pps *p = &q->u.hevc.pps[pps_id];
    const hevc_sps *s = &q->u.hevc.sps[p->sps];
    if (!s->valid)
        return NO_QP;
    if (!first) {
        int dependent = p->dependent_slices ? (int)u(b, 1) : 0;
        u(b, ceil_log2((unsigned)s->pic_size_ctbs));
        if (dependent)
            return DEPENDENT;
    }
    u(b, p->extra_bits);
    unsigned type = ue(b); /* 0 B, 1 P, 2 I */
    if (type > 2)
        return NO_QP;
    if (p->output_flag)
        u(b, 1);
    if (s->separate_colour_plane)
        u(b, 2);
    int tmvp = 0, total_curr = 0;
    if (nal_type != 19 && nal_type != 20) {
        u(b, s->log2_max_poc_lsb);
        if (!u(b, 1)) {
            hevc_rps rps;
            if (hevc_parse_rps(b, s->num_rps, s->num_rps, s->rps, &rps))
                return NO_QP;
            total_curr += rps.num_used;
        } else {
            int idx = s->num_rps > 1 ? (int)u(b, ceil_log2((unsigned)s->num_rps)) : 0;
            if (idx >= s->num_rps)
                return NO_QP;
            total_curr += s->rps[idx].num_used;
        }
        if (s->long_term) {
            unsigned lt_sps = s->num_lt_sps > 0 ? ue(b) : 0, lt_pics = ue(b);
            if (lt_sps > (unsigned)s->num_lt_sps || lt_pics > 32)
                return NO_QP;
            for (unsigned i = 0; i < lt_sps + lt_pics && !b->bad; i++) {
                if (i < lt_sps) {
                    unsigned k = s->num_lt_sps > 1 ? u(b, ceil_log2((unsigned)s->num_lt_sps)) : 0;
                    total_curr += k < 33 ? s->lt_used[k] : 0;
                } else {
                    u(b, s->log2_max_poc_lsb);
                    total_curr += (int)u(b, 1);
                }
                if (u(b, 1))
                    ue(b);
            }
        }
        if (s->temporal_mvp)
            tmvp = (int)u(b, 1);
    }
    if (s->sao) {
        u(b, 1);
        if (s->chroma_array_type)
            u(b, 1);
    }
    if (type != 2) {
        int l0 = p->num_ref_l0, l1 = type == 0 ? p->num_ref_l1 : 0;
        if (u(b, 1)) {
            l0 = (int)ue(b) + 1;
            if (type == 0)
                l1 = (int)ue(b) + 1;
        }
        if (l0 > 16 || l1 > 16)
            return NO_QP;
        if (p->lists_modification && total_curr > 1) {
            int k = ceil_log2((unsigned)total_curr);
            if (u(b, 1))
                u(b, k * l0);
            if (type == 0 && u(b, 1))
                u(b, k * l1);
        }
        if (type == 0)
            u(b, 1); /* mvd_l1_zero_flag */
        if (p->cabac_init)
            u(b, 1);
        if (tmvp) {
            int from_l0 = type == 0 ? (int)u(b, 1) : 1;
            if ((from_l0 && l0 > 1) || (!from_l0 && l1 > 1))
                ue(b);
        }
        if ((p->weighted_pred && type == 1) || (p->weighted_bipred && type == 0)) {
            ue(b);
            if (s->chroma_array_type)
                se(b);
            hevc_pred_weights(b, s->chroma_array_type != 0, l0, l1);
        }
        ue(b); /* five_minus_max_num_merge_cand */
    }
    int qp = p->init_qp + se(b);
    if (b->bad || qp < -12 || qp > 51)
        return NO_QP;
    return qp;
}

/* ---- NAL units ---- */

typedef struct tally {
    double qp_bytes; /* sum of qp x bytes over slices with a QP */
    int qp_weight, bytes, slices;
} tally;

static void nal(hl_qp *q, const uint8_t *p, size_t n, tally *t) {
    if (n < 2)
        return;
    if (q->codec == HL_QP_H264) {
        int type = p[0] & 31, ref_idc = (p[0] >> 5) & 3;
        if (type != 1 && type != 5 && type != 7 && type != 8)
            return; /* SEI, filler (12), delimiters: not picture */
        bits b = unescape(q, p + 1, n - 1);
        if (type == 7)
            h264_parse_sps(q, &b);
        else if (type == 8)
            h264_parse_pps(q, &b);
        if (type != 1 && type != 5)
            return;
        t->bytes += (int)n;
        t->slices++;
        double qp = h264_slice_qp(q, &b, type, ref_idc);
        if (qp != NO_QP) {
            t->qp_bytes += qp * (double)n;
            t->qp_weight += (int)n;
        }
        return;
    }
    if (n < 3)
        return;
    int type = (p[0] >> 1) & 63;
    if (type > 31 && type != 33 && type != 34)
        return; /* VPS, SEI, filler (38), delimiters: not picture */
    bits b = unescape(q, p + 2, n - 2);
    if (type == 33)
        hevc_parse_sps(q, &b);
    else if (type == 34)
        hevc_parse_pps(q, &b);
    if (type > 31)
        return;
    t->bytes += (int)n;
    t->slices++;
    double qp = hevc_slice_qp(q, &b, type);
    if (qp == DEPENDENT)
        qp = q->last_qp;
    else if (qp != NO_QP)
        q->last_qp = qp;
    if (qp != NO_QP) {
        t->qp_bytes += qp * (double)n;
        t->qp_weight += (int)n;
    }
}

/* Walks the NAL units of data: length-prefixed when length_size > 0, else Annex B. */
static void walk(hl_qp *q, const uint8_t *data, size_t size, int length_size, tally *t) {
    if (length_size > 0) {
        size_t i = 0;
        while (i + (size_t)length_size <= size) {
            size_t len = 0;
            for (int k = 0; k < length_size; k++)
                len = (len << 8) | data[i + (size_t)k];
            i += (size_t)length_size;
            if (len > size - i)
                len = size - i;
            nal(q, data + i, len, t);
            i += len;
        }
        return;
    }
    size_t i = 0, start = (size_t)-1;
    while (i + 3 <= size) {
        if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) {
            if (start != (size_t)-1) {
                size_t end = i;
                while (end > start && data[end - 1] == 0)
                    end--; /* trailing zero bytes belong to the next start code */
                nal(q, data + start, end - start, t);
            }
            i += 3;
            start = i;
            continue;
        }
        i++;
    }
    if (start != (size_t)-1 && start < size)
        nal(q, data + start, size - start, t);
}

/* Parameter sets from avcC / hvcC (ISO/IEC 14496-15) or Annex B extradata. */
static void prime(hl_qp *q, const uint8_t *x, size_t n) {
    tally t = {0};
    if (!x || n < 4)
        return;
    if (x[0] != 1) {
        walk(q, x, n, 0, &t);
        return;
    }
    if (q->codec == HL_QP_H264) {
        if (n < 7)
            return;
        q->length_size = (x[4] & 3) + 1;
        size_t i = 5;
        for (int set = 0; set < 2 && i < n; set++) {
            int count = set == 0 ? x[i] & 31 : x[i];
            i++;
            for (int k = 0; k < count && i + 2 <= n; k++) {
                size_t len = ((size_t)x[i] << 8) | x[i + 1];
                i += 2;
                if (len > n - i)
                    return;
                nal(q, x + i, len, &t);
                i += len;
            }
        }
        return;
    }
    if (n < 23)
        return;
    q->length_size = (x[21] & 3) + 1;
    int arrays = x[22];
    size_t i = 23;
    for (int a = 0; a < arrays && i + 3 <= n; a++) {
        int count = (x[i + 1] << 8) | x[i + 2];
        i += 3;
        for (int k = 0; k < count && i + 2 <= n; k++) {
            size_t len = ((size_t)x[i] << 8) | x[i + 1];
            i += 2;
            if (len > n - i)
                return;
            nal(q, x + i, len, &t);
            i += len;
        }
    }
}

int hl_qp_open(hl_qp **out, int codec, const uint8_t *extradata, size_t size) {
    *out = NULL;
    hl_qp *q = calloc(1, sizeof(*q));
    if (!q)
        return RC_ENOMEM;
    q->codec = codec;
    q->last_qp = NO_QP;
    prime(q, extradata, size);
    *out = q;
    return 0;
}

void hl_qp_packet(hl_qp *q, const uint8_t *data, size_t size, hl_qp_frame *out) {
    tally t = {0};
    walk(q, data, size, q->length_size, &t);
    out->slice_bytes = t.bytes;
    out->slices = t.slices;
    out->has_qp = t.qp_weight > 0;
    out->qp = out->has_qp ? t.qp_bytes / t.qp_weight : 0;
}

void hl_qp_close(hl_qp **q) {
    free(*q);
    *q = NULL;
}
