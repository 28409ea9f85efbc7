/*
 * WebAssembly SIMD kernels for the raw-frame fast path (src/image/wasmResampler.ts), built by build.sh into
 * resampleWasm.ts. Same integer arithmetic as the TypeScript path (resampleRgb.ts / yuvFormulas.ts), which is
 * itself bit-exact with OpenCV 4.6's cv2.resize INTER_LINEAR and COLOR_BGR2YUV_I420; tests compare both paths.
 * No libc: plain loops over memory the JS side lays out.
 */
#include <stdint.h>
#include <wasm_simd128.h>

/*
 * Bilinear resize from packed 8-bit rows (only the sampled rows, copied contiguously, rowBytes apart).
 * xofs[dx]: byte offset of the left sample; the right sample is the next pixel (its weight is 0 at the edge).
 * xw: 8 int16 per output column laid out [a0 a1 a0 a1 a0 a1 0 0] for i32x4.dot_i16x8.
 * swz: byte shuffle turning the 8 bytes at xofs into int16 [R0 R1 G0 G1 B0 B1 0 0] (indices >= 16 give 0).
 * yslot/yw: per output row, the two row slots and their 11-bit weights.
 * Writes nx RGB pixels per output row at staging + base + dy * rowStride.
 */
void resize_linear_packed(const uint8_t *rows, int rowBytes, const int32_t *xofs, const int16_t *xw, int nx,
                          const int32_t *yslot, const int32_t *yw, int ny, const uint8_t *swz, uint8_t *staging,
                          int base, int rowStride) {
  const v128_t shuffle = wasm_v128_load(swz);
  const v128_t two = wasm_i32x4_splat(2);
  for (int dy = 0; dy < ny; dy++) {
    const uint8_t *r0 = rows + yslot[dy * 2] * rowBytes;
    const uint8_t *r1 = rows + yslot[dy * 2 + 1] * rowBytes;
    const v128_t b0 = wasm_i32x4_splat(yw[dy * 2]);
    const v128_t b1 = wasm_i32x4_splat(yw[dy * 2 + 1]);
    uint8_t *out = staging + base + dy * rowStride;
    for (int dx = 0; dx < nx; dx++) {
      const v128_t w = wasm_v128_load(xw + dx * 8);
      const int o = xofs[dx];
      const v128_t h0 = wasm_i32x4_dot_i16x8(wasm_i8x16_swizzle(wasm_v128_load64_zero(r0 + o), shuffle), w);
      const v128_t h1 = wasm_i32x4_dot_i16x8(wasm_i8x16_swizzle(wasm_v128_load64_zero(r1 + o), shuffle), w);
      /* OpenCV's VResizeLinearVec_32s8u: mul_hi((h >> 4), b) per row, then (sum + 2) >> 2. */
      v128_t v = wasm_i32x4_add(wasm_i32x4_shr(wasm_i32x4_mul(wasm_i32x4_shr(h0, 4), b0), 16),
                                wasm_i32x4_shr(wasm_i32x4_mul(wasm_i32x4_shr(h1, 4), b1), 16));
      v = wasm_i32x4_shr(wasm_i32x4_add(v, two), 2);
      const v128_t bytes = wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(v, v), v);
      if (dx + 1 < nx) {
        wasm_v128_store32_lane(out + dx * 3, bytes, 0); /* the 4th byte is overwritten by the next pixel */
      } else {
        out[dx * 3] = wasm_u8x16_extract_lane(bytes, 0);
        out[dx * 3 + 1] = wasm_u8x16_extract_lane(bytes, 1);
        out[dx * 3 + 2] = wasm_u8x16_extract_lane(bytes, 2);
      }
    }
  }
}

/*
 * YUV sources: converts the sampled columns of each copied row slot to RGB, pixel pairs side by side, so that
 * resize_linear_packed can then run on them as 3-byte pixels (xofs = dx * 6). Same BT.601 limited-range integers as
 * OpenCV's YUV2RGB (yuvFormulas.ts). A slot is, for 4:2:0 (planar = 1), the Y row followed by its interleaved
 * chroma row (width bytes each); for 4:2:2 (planar = 0), the packed row. cols holds 2 * nx source columns.
 */
static inline v128_t chroma_terms(int u, int v) {
  const int uu = u - 128;
  const int vv = v - 128;
  return wasm_i32x4_make(1673527 * vv + (1 << 19), -852492 * vv - 409993 * uu + (1 << 19), 2116026 * uu + (1 << 19), 0);
}

static inline v128_t luma_term(int y) { return wasm_i32x4_splat((y > 16 ? y - 16 : 0) * 1220542); }

void yuv_gather_rgb(const uint8_t *src, int slots, int slotBytes, int planar, int width, int y0o, int y1o, int uo,
                    int vo, const int32_t *cols, int nx, uint8_t *dst) {
  /* [R0 G0 B0 R1 G1 B1] from the saturated bytes [R0 G0 B0 _ R1 G1 B1 _]. */
  const v128_t pack = wasm_i8x16_make(0, 1, 2, 4, 5, 6, 3, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  for (int s = 0; s < slots; s++) {
    const uint8_t *row = src + s * slotBytes;
    uint8_t *out = dst + s * (nx * 6 + 16);
    for (int i = 0; i < nx; i++) {
      const int x0 = cols[i * 2];
      const int x1 = cols[i * 2 + 1];
      int ya, yb;
      v128_t ca, cb;
      if (planar) {
        const uint8_t *c0 = row + width + (x0 & ~1);
        const uint8_t *c1 = row + width + (x1 & ~1);
        ya = row[x0];
        yb = row[x1];
        ca = chroma_terms(c0[uo], c0[vo]);
        cb = c1 == c0 ? ca : chroma_terms(c1[uo], c1[vo]);
      } else {
        const uint8_t *m0 = row + (x0 >> 1) * 4;
        const uint8_t *m1 = row + (x1 >> 1) * 4;
        ya = m0[(x0 & 1) ? y1o : y0o];
        yb = m1[(x1 & 1) ? y1o : y0o];
        ca = chroma_terms(m0[uo], m0[vo]);
        cb = m1 == m0 ? ca : chroma_terms(m1[uo], m1[vo]);
      }
      /* Same BT.601 limited-range integers as OpenCV's YUV2RGB; the saturating narrows are its clamp to 0..255. */
      const v128_t a = wasm_i32x4_shr(wasm_i32x4_add(luma_term(ya), ca), 20);
      const v128_t b = wasm_i32x4_shr(wasm_i32x4_add(luma_term(yb), cb), 20);
      const v128_t bytes = wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(a, b), wasm_i16x8_splat(0));
      wasm_v128_store64_lane(out + i * 6, wasm_i8x16_swizzle(bytes, pack), 0); /* 2 spare bytes are overwritten */
    }
  }
}

#define SHIFT 20
#define Y_BIAS ((1 << (SHIFT - 1)) + (16 << SHIFT))
#define UV_BIAS ((1 << (SHIFT - 1)) + (128 << SHIFT))


/*
 * Pillow's two-pass antialiased resampling (center_crop), on packed rows copied contiguously (rowBytes apart).
 * Horizontal: for each row slot and output column, taps consecutive source pixels from byte offset xfirst[x], 22-bit
 * weights xw[x * taps + t], rounded and clipped to 8 bits as Pillow does; results as i32x4 [R G B 0] in hout.
 * swz turns the 4 bytes of one pixel into i32 lanes [R G B 0]; bpp is the pixel size.
 */
void pil_horizontal(const uint8_t *rows, int slots, int rowBytes, int bpp, const int32_t *xfirst, const int32_t *xw,
                    int nx, int taps, const uint8_t *swz, int32_t *hout) {
  const v128_t shuffle = wasm_v128_load(swz);
  const v128_t round = wasm_i32x4_splat(1 << 21);
  const v128_t zero = wasm_i32x4_splat(0);
  const v128_t max = wasm_i32x4_splat(255);
  for (int s = 0; s < slots; s++) {
    const uint8_t *row = rows + s * rowBytes;
    int32_t *out = hout + s * nx * 4;
    for (int x = 0; x < nx; x++) {
      const uint8_t *p = row + xfirst[x];
      const int32_t *w = xw + x * taps;
      v128_t acc = round;
      for (int t = 0; t < taps; t++) {
        const v128_t px = wasm_i8x16_swizzle(wasm_v128_load32_zero(p + t * bpp), shuffle);
        acc = wasm_i32x4_add(acc, wasm_i32x4_mul(px, wasm_i32x4_splat(w[t])));
      }
      acc = wasm_i32x4_min(wasm_i32x4_max(wasm_i32x4_shr(acc, 22), zero), max);
      wasm_v128_store(out + x * 4, acc);
    }
  }
}

/* Vertical pass of pil_horizontal's rows: output row dy uses slots yfirst[dy] .. + taps with weights yw. */
void pil_vertical(const int32_t *h, int nx, const int32_t *yfirst, const int32_t *yw, int ny, int taps,
                  uint8_t *staging, int base, int rowStride) {
  const v128_t round = wasm_i32x4_splat(1 << 21);
  for (int dy = 0; dy < ny; dy++) {
    const int32_t *w = yw + dy * taps;
    const int32_t *first = h + yfirst[dy] * nx * 4;
    uint8_t *out = staging + base + dy * rowStride;
    for (int x = 0; x < nx; x++) {
      v128_t acc = round;
      for (int t = 0; t < taps; t++) {
        acc = wasm_i32x4_add(acc, wasm_i32x4_mul(wasm_v128_load(first + (t * nx + x) * 4), wasm_i32x4_splat(w[t])));
      }
      acc = wasm_i32x4_shr(acc, 22);
      const v128_t bytes = wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(acc, acc), acc);
      if (x + 1 < nx) {
        wasm_v128_store32_lane(out + x * 3, bytes, 0);
      } else {
        out[x * 3] = wasm_u8x16_extract_lane(bytes, 0);
        out[x * 3 + 1] = wasm_u8x16_extract_lane(bytes, 1);
        out[x * 3 + 2] = wasm_u8x16_extract_lane(bytes, 2);
      }
    }
  }
}

#define Z 0x80 /* swizzle index >= 16: the lane becomes 0 */

/* The R, G and B of 4 consecutive RGB pixels at p, each as i32x4 (reads 16 bytes: staging has slack). */
static inline void load4(const uint8_t *p, v128_t *r, v128_t *g, v128_t *b) {
  const v128_t v = wasm_v128_load(p);
  *r = wasm_i8x16_swizzle(v, wasm_u8x16_make(0, Z, Z, Z, 3, Z, Z, Z, 6, Z, Z, Z, 9, Z, Z, Z));
  *g = wasm_i8x16_swizzle(v, wasm_u8x16_make(1, Z, Z, Z, 4, Z, Z, Z, 7, Z, Z, Z, 10, Z, Z, Z));
  *b = wasm_i8x16_swizzle(v, wasm_u8x16_make(2, Z, Z, Z, 5, Z, Z, Z, 8, Z, Z, Z, 11, Z, Z, Z));
}

static inline v128_t weigh(v128_t r, v128_t g, v128_t b, int cr, int cg, int cb, int bias) {
  v128_t s = wasm_i32x4_add(wasm_i32x4_mul(r, wasm_i32x4_splat(cr)), wasm_i32x4_mul(g, wasm_i32x4_splat(cg)));
  s = wasm_i32x4_add(s, wasm_i32x4_add(wasm_i32x4_mul(b, wasm_i32x4_splat(cb)), wasm_i32x4_splat(bias)));
  return wasm_i32x4_shr(s, SHIFT);
}

static inline v128_t to_bytes(v128_t a, v128_t b) {
  return wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(a, b), wasm_i16x8_splat(0));
}

/*
 * RGB (width*3 per row) to NV12 as OpenCV's BGR2YUV_I420 + interleave: luma per pixel, chroma from each 2x2 block's
 * top-left pixel. 4 pixels per step (width must be a multiple of 4; model inputs are).
 */
void rgb_to_nv12(const uint8_t *rgb, int width, int height, uint8_t *out) {
  uint8_t *uv = out + width * height;
  const v128_t pickUv = wasm_u8x16_make(0, 4, 2, 6, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z);
  for (int y = 0; y < height; y += 2) {
    const uint8_t *s0 = rgb + y * width * 3;
    const uint8_t *s1 = s0 + width * 3;
    uint8_t *y0 = out + y * width;
    uint8_t *y1 = y0 + width;
    uint8_t *c = uv + (y >> 1) * width;
    for (int x = 0; x < width; x += 4) {
      v128_t r, g, b;
      load4(s0 + x * 3, &r, &g, &b);
      const v128_t luma0 = weigh(r, g, b, 269484, 528482, 102760, Y_BIAS);
      const v128_t u = weigh(r, g, b, -155188, -305135, 460324, UV_BIAS);
      const v128_t v = weigh(r, g, b, 460324, -385875, -74448, UV_BIAS);
      load4(s1 + x * 3, &r, &g, &b);
      const v128_t luma1 = weigh(r, g, b, 269484, 528482, 102760, Y_BIAS);
      const v128_t lumaBytes = to_bytes(luma0, luma1);
      wasm_v128_store32_lane(y0 + x, lumaBytes, 0);
      wasm_v128_store32_lane(y1 + x, lumaBytes, 1);
      /* bytes [U0 U1 U2 U3 V0 V1 V2 V3] -> [U0 V0 U2 V2]: the top-left pixels of the two blocks */
      wasm_v128_store32_lane(c + x, wasm_i8x16_swizzle(to_bytes(u, v), pickUv), 0);
    }
  }
}

/* RGB bytes to planar float32 through the 3 x 256 normalisation table built by preprocessRaw.ts. */
void rgb_to_planar_f32(const uint8_t *rgb, int pixels, const float *lut, float *out) {
  float *g = out + pixels;
  float *b = g + pixels;
  for (int i = 0; i < pixels; i++) {
    out[i] = lut[rgb[i * 3]];
    g[i] = lut[256 + rgb[i * 3 + 1]];
    b[i] = lut[512 + rgb[i * 3 + 2]];
  }
}
