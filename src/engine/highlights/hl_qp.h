/* hl_qp: what an H.264 or HEVC packet really codes - the bytes of its slice data (filler, SEI and
 * parameter sets left out) and the quantiser of its slices, read from the slice headers - so the
 * highlight pass can measure picture change independently of the encoder's rate control. */
#ifndef REELCUT_HL_QP_H
#define REELCUT_HL_QP_H

#include <stddef.h>
#include <stdint.h>

typedef struct hl_qp hl_qp;

#define HL_QP_REF 26.0 /* the quantiser complexities are expressed at */

enum hl_qp_codec { HL_QP_H264 = 1, HL_QP_HEVC = 2 };

/* What one packet codes. */
typedef struct hl_qp_frame {
    int slice_bytes; /* bytes of VCL NAL units (slice data and their headers) */
    double qp;       /* mean slice QP weighted by slice bytes (when has_qp) */
    int has_qp;      /* 0: no slice header was readable */
    int slices;      /* VCL NAL units seen */
} hl_qp_frame;

/* A parser for codec (enum hl_qp_codec), primed with the stream's extradata (avcC/hvcC or Annex
 * B; may be NULL). Returns 0 and *out, or RC_ENOMEM. Free with hl_qp_close. */
int hl_qp_open(hl_qp **out, int codec, const uint8_t *extradata, size_t size);

/* Reads one packet (length-prefixed as the extradata says, else Annex B start codes). Parameter
 * sets in the packet are remembered for later slices. Never fails: what cannot be parsed is
 * counted as slice bytes without a QP. */
void hl_qp_packet(hl_qp *q, const uint8_t *data, size_t size, hl_qp_frame *out);

void hl_qp_close(hl_qp **q);

#endif
