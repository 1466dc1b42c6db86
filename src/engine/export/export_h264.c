/* H.264 parameter-set plumbing for the smart cut: the re-encoded ends carry their own SPS/PPS
 * (distinct ids), all listed in one avcC so copied and re-encoded pictures decode as one stream. */
#include <string.h>

#include "engine/export/export_int.h"

#define MAX_PS 32

typedef struct nal_ref {
    const uint8_t *data;
    int size;
} nal_ref;

typedef struct avcc_view {
    nal_ref sps[MAX_PS], pps[MAX_PS];
    int nsps, npps;
    const uint8_t *trailer; /* high-profile extension bytes after the PPS list */
    int trailer_size;
} avcc_view;

static int avcc_parse(const uint8_t *p, int size, avcc_view *v) {
    memset(v, 0, sizeof(*v));
    if (!p || size < 7 || p[0] != 1)
        return RC_ENOTSUP;
    int pos = 6;
    v->nsps = p[5] & 0x1f;
    for (int i = 0; i < v->nsps; i++) {
        if (pos + 2 > size)
            return RC_ENOTSUP;
        int len = (p[pos] << 8) | p[pos + 1];
        if (pos + 2 + len > size || len < 4)
            return RC_ENOTSUP;
        v->sps[i] = (nal_ref){p + pos + 2, len};
        pos += 2 + len;
    }
    if (pos + 1 > size)
        return RC_ENOTSUP;
    v->npps = p[pos++];
    if (v->npps > MAX_PS)
        return RC_ENOTSUP;
    for (int i = 0; i < v->npps; i++) {
        if (pos + 2 > size)
            return RC_ENOTSUP;
        int len = (p[pos] << 8) | p[pos + 1];
        if (pos + 2 + len > size || len < 2)
            return RC_ENOTSUP;
        v->pps[i] = (nal_ref){p + pos + 2, len};
        pos += 2 + len;
    }
    v->trailer = p + pos;
    v->trailer_size = size - pos;
    return 0;
}

int engine_export_avcc_nal_length(const uint8_t *avcc, int size) {
    avcc_view v;
    if (avcc_parse(avcc, size, &v) || v.nsps == 0 || v.npps == 0)
        return 0;
    int len = (avcc[4] & 3) + 1;
    return len == 3 ? 0 : len;
}

int engine_export_h264_has_idr(const uint8_t *data, int size, int nal_len) {
    int pos = 0;
    while (pos + nal_len <= size) {
        uint32_t len = 0;
        for (int i = 0; i < nal_len; i++)
            len = (len << 8) | data[pos + i];
        pos += nal_len;
        if (len == 0 || len > (uint32_t)(size - pos))
            return 0;
        if ((data[pos] & 0x1f) == 5)
            return 1;
        pos += (int)len;
    }
    return 0;
}

/* Exp-Golomb reader over the first bytes of a NAL, emulation prevention removed. */
typedef struct bits {
    uint8_t buf[24];
    int n, pos;
} bits;

static void bits_init(bits *b, const uint8_t *nal, int size, int skip) {
    b->n = 0;
    b->pos = 0;
    int zeros = 0;
    for (int i = skip; i < size && b->n < (int)sizeof(b->buf); i++) {
        if (zeros >= 2 && nal[i] == 3) {
            zeros = 0;
            continue;
        }
        zeros = nal[i] == 0 ? zeros + 1 : 0;
        b->buf[b->n++] = nal[i];
    }
}

static int bits_ue(bits *b) {
    int lz = 0;
    while (b->pos < b->n * 8 && !((b->buf[b->pos / 8] >> (7 - b->pos % 8)) & 1)) {
        lz++;
        b->pos++;
    }
    if (lz > 16 || b->pos + 1 + lz > b->n * 8)
        return -1;
    b->pos++;
    int v = 0;
    for (int i = 0; i < lz; i++, b->pos++)
        v = (v << 1) | ((b->buf[b->pos / 8] >> (7 - b->pos % 8)) & 1);
    return (1 << lz) - 1 + v;
}

int engine_export_avcc_free_id(const uint8_t *avcc, int size, uint32_t taken) {
    avcc_view v;
    if (avcc_parse(avcc, size, &v))
        return RC_ENOTSUP;
    for (int i = 0; i < v.nsps; i++) {
        bits b;
        bits_init(&b, v.sps[i].data, v.sps[i].size, 4); /* header, profile, flags, level */
        int id = bits_ue(&b);
        if (id < 0 || id > 31)
            return RC_ENOTSUP;
        taken |= 1u << id;
    }
    for (int i = 0; i < v.npps; i++) {
        bits b;
        bits_init(&b, v.pps[i].data, v.pps[i].size, 1);
        int id = bits_ue(&b);
        if (id < 0)
            return RC_ENOTSUP;
        if (id < 32)
            taken |= 1u << id;
    }
    for (int id = 1; id < 32; id++)
        if (!(taken & (1u << id)))
            return id;
    return RC_ENOTSUP;
}

/* Splits Annex B data into NAL units (start codes and trailing zeros removed). */
static int annexb_split(const uint8_t *p, int size, nal_ref *nals, int max) {
    int n = 0, i = 0, start = -1;
    while (i + 3 <= size) {
        if (p[i] == 0 && p[i + 1] == 0 && p[i + 2] == 1) {
            if (start >= 0 && n < max) {
                int end = i;
                while (end > start && p[end - 1] == 0)
                    end--;
                nals[n++] = (nal_ref){p + start, end - start};
            }
            i += 3;
            start = i;
        } else {
            i++;
        }
    }
    if (start >= 0 && start < size && n < max) {
        int end = size;
        while (end > start && p[end - 1] == 0)
            end--;
        nals[n++] = (nal_ref){p + start, end - start};
    }
    return n;
}

int engine_export_avcc_merge(const uint8_t *avcc, int size, const uint8_t *const *enc,
                             const int *enc_size, int n, uint8_t **out, int *out_size) {
    avcc_view v;
    int rc = avcc_parse(avcc, size, &v);
    if (rc)
        return rc;
    for (int e = 0; e < n; e++) {
        nal_ref nals[8];
        int k = annexb_split(enc[e], enc_size[e], nals, 8);
        for (int i = 0; i < k; i++) {
            int type = nals[i].data[0] & 0x1f;
            if (type == 7 && v.nsps < MAX_PS)
                v.sps[v.nsps++] = nals[i];
            else if (type == 8 && v.npps < MAX_PS)
                v.pps[v.npps++] = nals[i];
            else if (type == 7 || type == 8)
                return RC_ENOTSUP;
        }
    }
    int total = 7 + v.trailer_size;
    for (int i = 0; i < v.nsps; i++)
        total += 2 + v.sps[i].size;
    for (int i = 0; i < v.npps; i++)
        total += 2 + v.pps[i].size;
    uint8_t *p = av_mallocz((size_t)total + AV_INPUT_BUFFER_PADDING_SIZE);
    if (!p)
        return RC_ENOMEM;
    memcpy(p, avcc, 5);
    p[5] = (uint8_t)(0xe0 | v.nsps);
    int pos = 6;
    for (int i = 0; i < v.nsps; i++) {
        p[pos] = (uint8_t)(v.sps[i].size >> 8);
        p[pos + 1] = (uint8_t)v.sps[i].size;
        memcpy(p + pos + 2, v.sps[i].data, (size_t)v.sps[i].size);
        pos += 2 + v.sps[i].size;
    }
    p[pos++] = (uint8_t)v.npps;
    for (int i = 0; i < v.npps; i++) {
        p[pos] = (uint8_t)(v.pps[i].size >> 8);
        p[pos + 1] = (uint8_t)v.pps[i].size;
        memcpy(p + pos + 2, v.pps[i].data, (size_t)v.pps[i].size);
        pos += 2 + v.pps[i].size;
    }
    if (v.trailer_size)
        memcpy(p + pos, v.trailer, (size_t)v.trailer_size);
    *out = p;
    *out_size = total;
    return 0;
}

static int put_nal(uint8_t *dst, int *pos, const nal_ref *nal, int nal_len) {
    if (nal_len < 4 && (uint32_t)nal->size >= (1u << (8 * nal_len)))
        return RC_ENOTSUP;
    for (int i = nal_len - 1; i >= 0; i--)
        dst[(*pos)++] = (uint8_t)((uint32_t)nal->size >> (8 * i));
    memcpy(dst + *pos, nal->data, (size_t)nal->size);
    *pos += nal->size;
    return 0;
}

int engine_export_annexb_to_avcc(AVPacket *pkt, int nal_len, const uint8_t *ps, int ps_size) {
    nal_ref nals[64], psn[8];
    int n = annexb_split(pkt->data, pkt->size, nals, 64);
    int idr = 0, total = 0, nps = 0;
    for (int i = 0; i < n; i++) {
        idr |= (nals[i].data[0] & 0x1f) == 5;
        total += nal_len + nals[i].size;
    }
    if (idr && ps) {
        nal_ref all[8];
        int k = annexb_split(ps, ps_size, all, 8);
        for (int i = 0; i < k; i++) {
            int type = all[i].data[0] & 0x1f;
            if (type == 7 || type == 8) {
                psn[nps++] = all[i];
                total += nal_len + all[i].size;
            }
        }
    }
    AVPacket *tmp = av_packet_alloc();
    if (!tmp || av_new_packet(tmp, total) < 0) {
        av_packet_free(&tmp);
        return RC_ENOMEM;
    }
    int pos = 0, rc = 0;
    for (int i = 0; i < nps && !rc; i++)
        rc = put_nal(tmp->data, &pos, &psn[i], nal_len);
    for (int i = 0; i < n && !rc; i++)
        rc = put_nal(tmp->data, &pos, &nals[i], nal_len);
    if (rc == 0)
        rc = av_packet_copy_props(tmp, pkt) < 0 ? RC_ENOMEM : 0;
    if (rc == 0) {
        av_packet_unref(pkt);
        av_packet_move_ref(pkt, tmp);
    }
    av_packet_free(&tmp);
    return rc;
}
