/*
 * Host-side emulator of the RDK X5 BPU runtime (libdnn 1.24.5 "hbDNN" API).
 *
 * Exports the same C symbols and struct layouts as the board's libdnn.so so that the TypeScript
 * binding cannot tell the two apart. Models are JSON descriptions (see native/README.md); the
 * "inference" is a documented deterministic function of the NV12 luma plane, completed on per-core
 * worker threads after a simulated latency. Test-only introspection lives under the hbEmu* prefix.
 *
 * One global mutex guards all state: the emulator is about correctness of the caller's protocol
 * (flushes, task lifetimes, leaks), not about scaling.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hb_types.h"
#include "json.h"

#define EXPORT __attribute__((visibility("default")))
#define MAX_LIVE_TASKS 32
#define MAX_OUTPUTS 8
#define MAX_CORES 8
#define MAX_FAULTS 1024
#define PACKED_MAGIC 0x4b434150u /* "PACK" */
#define MODEL_MAGIC 0x4c444f4du  /* "MODL" */
#define TASK_MAGIC 0x4b534154u   /* "TASK" */

/* ------------------------------------------------------------------ global state */

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_done_cv; /* broadcast whenever a task completes or is released */
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static char g_last_error[512];

static void init_once(void) {
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&g_done_cv, &attr);
  pthread_condattr_destroy(&attr);
}

static void set_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(g_last_error, sizeof(g_last_error), fmt, ap);
  va_end(ap);
}

/* Counters read by tests through hbEmuGetCounter(). */
static struct {
  long live_allocations;
  long live_tasks;
  long live_packed_handles;
  long clean_flushes;
  long invalidate_flushes;
  long infer_calls;
  long completed_tasks;
  long stale_input_submissions;
  long invalidates_before_completion;
  long frees_while_in_use;
  long released_unfinished_tasks;
  long max_live_tasks;
  long injected_allocation_failures;
  long banner_printed;
  /* Nanoseconds spent inside hbDNNInfer and hbSysFlushMem on the caller's thread: the emulated device work
     (input snapshot, cache copies, and the model itself at latency 0), so a benchmark can separate it from the
     binding's own cost. Updated atomically, outside g_lock. */
  long caller_thread_ns;
} g_counters;

static long monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long)ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* ------------------------------------------------------------------ trace */

static char *g_trace;
static size_t g_trace_len, g_trace_cap;
#define TRACE_LIMIT (1u << 20)

static void trace(const char *fmt, ...) {
  char buf[96];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  if (n <= 0) return;
  if (g_trace_len + (size_t)n + 1 > TRACE_LIMIT) return;
  if (g_trace_len + (size_t)n + 1 > g_trace_cap) {
    size_t cap = g_trace_cap ? g_trace_cap * 2 : 4096;
    while (cap < g_trace_len + (size_t)n + 1) cap *= 2;
    char *grown = realloc(g_trace, cap);
    if (!grown) return;
    g_trace = grown;
    g_trace_cap = cap;
  }
  memcpy(g_trace + g_trace_len, buf, (size_t)n);
  g_trace_len += (size_t)n;
  g_trace[g_trace_len] = '\0';
}

/* ------------------------------------------------------------------ memory */

/* A BPU-visible buffer. Cached buffers get a separate "device" copy so that a missing CLEAN (stale
 * input) or a missing INVALIDATE (stale output) has a visible effect, as on the board. */
typedef struct allocation {
  struct allocation *next;
  long id;
  int cached;
  uint32_t size;
  uint8_t *cpu;
  uint8_t *device; /* == cpu when uncached */
  uint64_t phy;
} allocation;

static allocation *g_allocs;
static long g_next_alloc_id = 1;
static long g_alloc_countdown; /* > 0: allocations left before an injected failure */
static uint64_t g_next_phy = 0x80000000ull;

static allocation *find_alloc_containing(const void *addr, size_t len) {
  const uint8_t *p = addr;
  for (allocation *a = g_allocs; a; a = a->next)
    if (p >= a->cpu && p + len <= a->cpu + a->size) return a;
  return NULL;
}

static allocation *find_alloc_by_id(long id) {
  for (allocation *a = g_allocs; a; a = a->next)
    if (a->id == id) return a;
  return NULL;
}

/* ------------------------------------------------------------------ models */

typedef struct {
  char *name;
  hbDNNTensorProperties props;
  float *scale;
  int8_t *zero_point;
  uint8_t *shift;
  double high, low, step;
} output_desc;

struct packed;

typedef struct model {
  uint32_t magic;
  struct packed *packed;
  char *name;
  char *input_name;
  hbDNNTensorProperties input_props;
  int output_count;
  output_desc outputs[MAX_OUTPUTS];
  long latency_us;
  int cores;
  int32_t fault_reject_task[MAX_FAULTS], fault_reject_code[MAX_FAULTS];
  int32_t fault_fail_task[MAX_FAULTS], fault_fail_code[MAX_FAULTS];
  int32_t fault_hang_task[MAX_FAULTS];
  int n_reject, n_fail, n_hang;
  int32_t fail_allocation; /* fault: the k-th hbSys*Mem allocation after loading fails */
  long submissions;
  int stopping;
  pthread_cond_t work_cv;
  pthread_t workers[MAX_CORES];
  struct timespec core_free_at[MAX_CORES];
} model;

typedef struct packed {
  uint32_t magic;
  struct packed *next;
  int model_count;
  model **models;
  const char **names;
} packed;

static packed *g_packed;

static int packed_is_live(const packed *p) {
  for (packed *q = g_packed; q; q = q->next)
    if (q == p) return 1;
  return 0;
}

static int model_is_live(const model *m) {
  for (packed *q = g_packed; q; q = q->next)
    for (int i = 0; i < q->model_count; i++)
      if (q->models[i] == m) return 1;
  return 0;
}

/* ------------------------------------------------------------------ tasks */

typedef enum { TASK_QUEUED, TASK_RUNNING, TASK_DONE, TASK_HUNG } task_state;

typedef struct task {
  uint32_t magic;
  struct task *next;
  long id;
  model *model;
  long seq;
  int32_t priority;
  int64_t custom_id;
  int32_t core_mask;
  task_state state;
  int32_t status;      /* result reported by hbDNNWaitTaskDone once DONE */
  int32_t fail_code;   /* fault injection: status to report instead of computing */
  int released;
  int waiters;
  struct timespec submitted_at;
  uint64_t luma_sum;   /* snapshot of the input taken at submission */
  uint64_t luma_count;
  int output_count;
  void *out_addr[MAX_OUTPUTS];
  uint32_t out_size[MAX_OUTPUTS];
  long out_alloc[MAX_OUTPUTS]; /* 0 when the buffer was not allocated by hbSys*Mem */
} task;

static task *g_tasks;
static long g_next_task_id = 1;

static int task_is_live(const task *t) {
  for (task *q = g_tasks; q; q = q->next)
    if (q == t && !q->released) return 1;
  return 0;
}

static void unlink_task(task *t) {
  for (task **pp = &g_tasks; *pp; pp = &(*pp)->next)
    if (*pp == t) {
      *pp = t->next;
      return;
    }
}

/* Frees a task once nobody can touch it any more: released by the caller, not held by a worker,
 * and no thread blocked in hbDNNWaitTaskDone on it. */
static void maybe_free_task(task *t) {
  if (t->released && t->state != TASK_RUNNING && t->waiters == 0) {
    unlink_task(t);
    t->magic = 0;
    free(t);
  }
}

/* ------------------------------------------------------------------ time helpers */

static struct timespec now_mono(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts;
}

static struct timespec ts_add_us(struct timespec t, long us) {
  t.tv_sec += us / 1000000;
  t.tv_nsec += (us % 1000000) * 1000;
  if (t.tv_nsec >= 1000000000) {
    t.tv_sec++;
    t.tv_nsec -= 1000000000;
  }
  return t;
}

static int ts_before(struct timespec a, struct timespec b) {
  return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec);
}

/* ------------------------------------------------------------------ output computation */

static int element_size(int32_t type) {
  switch (type) {
    case HB_DNN_TENSOR_TYPE_S8:
    case HB_DNN_TENSOR_TYPE_U8: return 1;
    case HB_DNN_TENSOR_TYPE_S16:
    case HB_DNN_TENSOR_TYPE_U16: return 2;
    case HB_DNN_TENSOR_TYPE_F32:
    case HB_DNN_TENSOR_TYPE_S32: return 4;
    default: return 0;
  }
}

static double clamp(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }

static void store_value(uint8_t *dst, int32_t type, double v) {
  switch (type) {
    case HB_DNN_TENSOR_TYPE_F32: { float f = (float)v; memcpy(dst, &f, 4); break; }
    case HB_DNN_TENSOR_TYPE_S8: { int8_t q = (int8_t)clamp(round(v), -128, 127); memcpy(dst, &q, 1); break; }
    case HB_DNN_TENSOR_TYPE_U8: { uint8_t q = (uint8_t)clamp(round(v), 0, 255); memcpy(dst, &q, 1); break; }
    case HB_DNN_TENSOR_TYPE_S16: { int16_t q = (int16_t)clamp(round(v), -32768, 32767); memcpy(dst, &q, 2); break; }
    case HB_DNN_TENSOR_TYPE_U16: { uint16_t q = (uint16_t)clamp(round(v), 0, 65535); memcpy(dst, &q, 2); break; }
    case HB_DNN_TENSOR_TYPE_S32: { int32_t q = (int32_t)clamp(round(v), -2147483648.0, 2147483647.0); memcpy(dst, &q, 4); break; }
    default: break;
  }
}

static long element_count(const hbDNNTensorShape *s) {
  long n = 1;
  for (int i = 0; i < s->numDimensions; i++) n *= s->dimensionSize[i];
  return n;
}

/* The documented model function: class k = round(mean luma * (N - 1) / 255), N = elements of the
 * output; element k gets `high`, every other element i gets low + step * (i mod 7). */
static long predicted_class(uint64_t sum, uint64_t count, long n) {
  if (count == 0 || n <= 0) return 0;
  unsigned __int128 num = (unsigned __int128)sum * (uint64_t)(n - 1) * 2u + (unsigned __int128)255u * count;
  return (long)(num / ((unsigned __int128)2u * 255u * count));
}

static void write_output(const output_desc *o, uint8_t *base, uint32_t size, long k) {
  const hbDNNTensorProperties *p = &o->props;
  int nd = p->validShape.numDimensions;
  long n = element_count(&p->validShape);
  int esize = element_size(p->tensorType);
  int32_t idx[HB_DNN_TENSOR_MAX_DIMENSIONS] = {0};
  for (long i = 0; i < n; i++) {
    long rem = i;
    for (int d = nd - 1; d >= 0; d--) {
      idx[d] = (int32_t)(rem % p->validShape.dimensionSize[d]);
      rem /= p->validShape.dimensionSize[d];
    }
    long offset = 0;
    for (int d = 0; d < nd; d++) offset += (long)idx[d] * p->stride[d];
    if (offset < 0 || offset + esize > (long)size) continue;
    double v = i == k ? o->high : o->low + o->step * (double)(i % 7);
    int axis_i = 0;
    if (p->quantizeAxis >= 0 && p->quantizeAxis < nd) axis_i = idx[p->quantizeAxis];
    double q = v;
    if (p->quantiType == SCALE) {
      int si = p->scale.scaleLen > 1 ? axis_i : 0;
      double zp = p->scale.zeroPointLen > 0 ? o->zero_point[si] : 0;
      q = v / o->scale[si];
      if (p->tensorType != HB_DNN_TENSOR_TYPE_F32) q = round(q);
      q += zp;
    } else if (p->quantiType == SHIFT) {
      int si = p->shift.shiftLen > 1 ? axis_i : 0;
      q = v * ldexp(1.0, o->shift[si]);
    }
    store_value(base + offset, p->tensorType, q);
  }
}

/* Completes a task whose simulated time has elapsed. Called with g_lock held. */
static void complete_task(task *t) {
  model *m = t->model;
  if (t->fail_code != 0) {
    t->status = t->fail_code;
  } else {
    for (int i = 0; i < t->output_count; i++) {
      const output_desc *o = &m->outputs[i];
      uint8_t *dst;
      if (t->out_alloc[i] != 0) {
        allocation *a = find_alloc_by_id(t->out_alloc[i]);
        if (!a) {
          g_counters.frees_while_in_use++;
          continue;
        }
        dst = a->device + ((uint8_t *)t->out_addr[i] - a->cpu);
      } else {
        dst = t->out_addr[i];
      }
      long n = element_count(&o->props.validShape);
      write_output(o, dst, t->out_size[i], predicted_class(t->luma_sum, t->luma_count, n));
    }
    t->status = HB_DNN_SUCCESS;
  }
  t->state = TASK_DONE;
  g_counters.completed_tasks++;
  pthread_cond_broadcast(&g_done_cv);
}

/* ------------------------------------------------------------------ core workers */

typedef struct {
  model *m;
  int core;
} worker_arg;

static task *pick_task(model *m, int core) {
  task *best = NULL;
  for (task *t = g_tasks; t; t = t->next) {
    if (t->model != m || t->state != TASK_QUEUED || t->released) continue;
    if (t->core_mask != 0 && !(t->core_mask & (1 << core))) continue;
    if (!best || t->priority > best->priority ||
        (t->priority == best->priority &&
         (t->custom_id < best->custom_id || (t->custom_id == best->custom_id && t->seq < best->seq))))
      best = t;
  }
  return best;
}

static void *worker_main(void *argp) {
  worker_arg arg = *(worker_arg *)argp;
  free(argp);
  model *m = arg.m;
  pthread_mutex_lock(&g_lock);
  while (!m->stopping) {
    task *t = pick_task(m, arg.core);
    if (!t) {
      pthread_cond_wait(&m->work_cv, &g_lock);
      continue;
    }
    t->state = TASK_RUNNING;
    /* The simulated core runs back to back: a task starts when it was submitted or when the previous
     * task's simulated run ended, whichever is later, so a late wake-up of this host thread does not
     * eat into the simulated throughput. */
    struct timespec start = t->submitted_at;
    if (ts_before(start, m->core_free_at[arg.core])) start = m->core_free_at[arg.core];
    struct timespec end = ts_add_us(start, m->latency_us);
    m->core_free_at[arg.core] = end;
    if (m->latency_us > 0) {
      pthread_mutex_unlock(&g_lock);
      while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &end, NULL) == EINTR) {
      }
      pthread_mutex_lock(&g_lock);
    }
    if (t->released) {
      t->state = TASK_DONE;
      maybe_free_task(t);
      pthread_cond_broadcast(&g_done_cv);
    } else {
      complete_task(t);
    }
  }
  pthread_mutex_unlock(&g_lock);
  return NULL;
}

/* ------------------------------------------------------------------ model description parsing */

static int dtype_from_name(const char *s) {
  static const struct { const char *name; int value; } table[] = {
      {"S8", HB_DNN_TENSOR_TYPE_S8},   {"U8", HB_DNN_TENSOR_TYPE_U8},   {"S16", HB_DNN_TENSOR_TYPE_S16},
      {"U16", HB_DNN_TENSOR_TYPE_U16}, {"F32", HB_DNN_TENSOR_TYPE_F32}, {"S32", HB_DNN_TENSOR_TYPE_S32},
  };
  for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
    if (strcmp(s, table[i].name) == 0) return table[i].value;
  return -1;
}

static const char *str_or(const json_value *v, const char *fallback) {
  return v && v->kind == JSON_STRING ? v->string : fallback;
}

static int num_or(const json_value *v, double fallback, double *out) {
  if (!v) { *out = fallback; return 1; }
  if (v->kind != JSON_NUMBER) return 0;
  *out = v->number;
  return 1;
}

static int read_int_array(const json_value *v, int32_t *out, int max, int *count) {
  if (!v || v->kind != JSON_ARRAY || v->count == 0 || v->count > (size_t)max) return 0;
  for (size_t i = 0; i < v->count; i++) {
    if (v->items[i]->kind != JSON_NUMBER) return 0;
    out[i] = (int32_t)v->items[i]->number;
  }
  *count = (int)v->count;
  return 1;
}

static int read_shape(const json_value *v, hbDNNTensorShape *shape) {
  int n = 0;
  memset(shape, 0, sizeof(*shape));
  if (!read_int_array(v, shape->dimensionSize, HB_DNN_TENSOR_MAX_DIMENSIONS, &n)) return 0;
  for (int i = 0; i < n; i++)
    if (shape->dimensionSize[i] <= 0) return 0;
  shape->numDimensions = n;
  return 1;
}

static void free_model(model *m) {
  if (!m) return;
  for (int i = 0; i < m->output_count; i++) {
    free(m->outputs[i].name);
    free(m->outputs[i].scale);
    free(m->outputs[i].zero_point);
    free(m->outputs[i].shift);
  }
  free(m->name);
  free(m->input_name);
  free(m);
}

static int parse_output(const json_value *jo, int index, output_desc *o) {
  char fallback[32];
  snprintf(fallback, sizeof(fallback), index == 0 ? "output" : "output%d", index);
  o->name = strdup(str_or(json_get(jo, "name"), fallback));
  hbDNNTensorProperties *p = &o->props;
  const char *type = str_or(json_get(jo, "type"), "F32");
  p->tensorType = dtype_from_name(type);
  if (p->tensorType < 0) { set_error("output %d: unsupported type '%s'", index, type); return 0; }
  if (!read_shape(json_get(jo, "validShape"), &p->validShape)) {
    set_error("output %d: validShape must be an array of 1..8 positive integers", index);
    return 0;
  }
  p->alignedShape = p->validShape;
  if (json_get(jo, "alignedShape") && !read_shape(json_get(jo, "alignedShape"), &p->alignedShape)) {
    set_error("output %d: bad alignedShape", index);
    return 0;
  }
  const char *layout = str_or(json_get(jo, "layout"), "NCHW");
  p->tensorLayout = strcmp(layout, "NHWC") == 0 ? HB_DNN_LAYOUT_NHWC
                    : strcmp(layout, "NONE") == 0 ? HB_DNN_LAYOUT_NONE
                                                  : HB_DNN_LAYOUT_NCHW;
  int nd = p->validShape.numDimensions;
  int esize = element_size(p->tensorType);
  const json_value *js = json_get(jo, "stride");
  if (js) {
    int n = 0;
    if (!read_int_array(js, p->stride, HB_DNN_TENSOR_MAX_DIMENSIONS, &n) || n != nd) {
      set_error("output %d: stride must have one entry per validShape dimension", index);
      return 0;
    }
  } else {
    int32_t s = esize;
    for (int d = nd - 1; d >= 0; d--) {
      p->stride[d] = s;
      s *= p->validShape.dimensionSize[d];
    }
  }
  long last = 0;
  for (int d = 0; d < nd; d++) last += (long)(p->validShape.dimensionSize[d] - 1) * p->stride[d];
  double abs_size;
  if (!num_or(json_get(jo, "alignedByteSize"), (double)(last + esize), &abs_size) || abs_size < last + esize) {
    set_error("output %d: alignedByteSize smaller than the last element's end (%ld)", index, last + esize);
    return 0;
  }
  p->alignedByteSize = (int32_t)abs_size;
  const char *qt = str_or(json_get(jo, "quantiType"), "NONE");
  p->quantiType = strcmp(qt, "SCALE") == 0 ? SCALE : strcmp(qt, "SHIFT") == 0 ? SHIFT : strcmp(qt, "NONE") == 0 ? NONE : -1;
  if (p->quantiType < 0) { set_error("output %d: quantiType must be NONE, SHIFT or SCALE", index); return 0; }
  double axis;
  if (!num_or(json_get(jo, "quantizeAxis"), 0, &axis)) { set_error("output %d: bad quantizeAxis", index); return 0; }
  p->quantizeAxis = (int32_t)axis;
  int32_t values[4096];
  if (p->quantiType == SCALE) {
    const json_value *sv = json_get(jo, "scale");
    if (!sv || sv->kind != JSON_ARRAY || sv->count == 0 || sv->count > 4096) {
      set_error("output %d: SCALE needs a non-empty scale array", index);
      return 0;
    }
    int n = (int)sv->count;
    if (n > 1 && (p->quantizeAxis < 0 || p->quantizeAxis >= nd || p->validShape.dimensionSize[p->quantizeAxis] != n)) {
      set_error("output %d: %d scales do not match dimension quantizeAxis", index, n);
      return 0;
    }
    o->scale = calloc((size_t)n, sizeof(float));
    for (int i = 0; i < n; i++) {
      if (sv->items[i]->kind != JSON_NUMBER || sv->items[i]->number == 0) {
        set_error("output %d: scales must be non-zero numbers", index);
        return 0;
      }
      o->scale[i] = (float)sv->items[i]->number;
    }
    p->scale.scaleLen = n;
    p->scale.scaleData = o->scale;
    const json_value *zv = json_get(jo, "zeroPoint");
    if (zv) {
      int zn = 0;
      if (!read_int_array(zv, values, 4096, &zn) || zn != n) {
        set_error("output %d: zeroPoint must have as many entries as scale", index);
        return 0;
      }
      o->zero_point = calloc((size_t)n, 1);
      for (int i = 0; i < n; i++) o->zero_point[i] = (int8_t)values[i];
      p->scale.zeroPointLen = n;
      p->scale.zeroPointData = o->zero_point;
    }
  } else if (p->quantiType == SHIFT) {
    int n = 0;
    if (!read_int_array(json_get(jo, "shift"), values, 4096, &n)) {
      set_error("output %d: SHIFT needs a non-empty shift array", index);
      return 0;
    }
    if (n > 1 && (p->quantizeAxis < 0 || p->quantizeAxis >= nd || p->validShape.dimensionSize[p->quantizeAxis] != n)) {
      set_error("output %d: %d shifts do not match dimension quantizeAxis", index, n);
      return 0;
    }
    o->shift = calloc((size_t)n, 1);
    for (int i = 0; i < n; i++) o->shift[i] = (uint8_t)values[i];
    p->shift.shiftLen = n;
    p->shift.shiftData = o->shift;
  }
  const json_value *lg = json_get(jo, "logits");
  if (!num_or(json_get(lg, "high"), 10.0, &o->high) || !num_or(json_get(lg, "low"), 0.0, &o->low) ||
      !num_or(json_get(lg, "step"), 0.0, &o->step)) {
    set_error("output %d: logits.high/low/step must be numbers", index);
    return 0;
  }
  return 1;
}

static int parse_faults(const json_value *jf, model *m, int32_t *load_error) {
  if (!jf) return 1;
  double code;
  if (!num_or(json_get(jf, "loadError"), 0, &code)) return 0;
  *load_error = (int32_t)code;
  double nth;
  if (!num_or(json_get(jf, "failAllocation"), 0, &nth) || nth < 0) return 0;
  m->fail_allocation = (int32_t)nth;
  const char *lists[] = {"rejectTasks", "failTasks"};
  for (int l = 0; l < 2; l++) {
    const json_value *arr = json_get(jf, lists[l]);
    if (!arr) continue;
    if (arr->kind != JSON_ARRAY || arr->count > MAX_FAULTS) return 0;
    for (size_t i = 0; i < arr->count; i++) {
      double tn, c;
      if (!num_or(json_get(arr->items[i], "task"), -1, &tn) || tn < 1) return 0;
      if (!num_or(json_get(arr->items[i], "code"), HB_DNN_RUN_TASK_FAILED, &c) || c == 0) return 0;
      if (l == 0) {
        m->fault_reject_task[m->n_reject] = (int32_t)tn;
        m->fault_reject_code[m->n_reject++] = (int32_t)c;
      } else {
        m->fault_fail_task[m->n_fail] = (int32_t)tn;
        m->fault_fail_code[m->n_fail++] = (int32_t)c;
      }
    }
  }
  int n = 0;
  const json_value *hang = json_get(jf, "hangTasks");
  if (hang && !read_int_array(hang, m->fault_hang_task, MAX_FAULTS, &n)) return 0;
  m->n_hang = n;
  return 1;
}

/* The model name defaults to the file stem, with a trailing ".emu" dropped as well
 * ("EdgeNeXt_xx_small_224x224_nv12.emu.json" -> "EdgeNeXt_xx_small_224x224_nv12"). */
static char *stem_of(const char *path) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  char *s = strdup(base);
  char *dot = strrchr(s, '.');
  if (dot && dot != s) *dot = '\0';
  size_t n = strlen(s);
  if (n > 4 && strcmp(s + n - 4, ".emu") == 0) s[n - 4] = '\0';
  return s;
}

static int32_t parse_model(const char *text, size_t len, const char *default_name, model **out) {
  char err[160];
  json_value *root = json_parse(text, len, err, sizeof(err));
  if (!root) {
    set_error("not an emulator model description (JSON): %s", err);
    return HB_DNN_INVALID_MODEL;
  }
  int32_t rc = HB_DNN_INVALID_MODEL;
  model *m = calloc(1, sizeof(*m));
  if (root->kind != JSON_OBJECT) { set_error("model description must be a JSON object"); goto done; }
  m->magic = MODEL_MAGIC;
  m->name = strdup(str_or(json_get(root, "name"), default_name));
  double latency, cores;
  if (!num_or(json_get(root, "latencyUs"), 0, &latency) || latency < 0) { set_error("latencyUs must be >= 0"); goto done; }
  if (!num_or(json_get(root, "cores"), 1, &cores) || cores < 1 || cores > MAX_CORES) { set_error("cores must be 1..%d", MAX_CORES); goto done; }
  m->latency_us = (long)latency;
  m->cores = (int)cores;

  const json_value *ji = json_get(root, "input");
  double h, w, pitch, abs;
  if (!ji || !num_or(json_get(ji, "height"), 0, &h) || !num_or(json_get(ji, "width"), 0, &w) || h < 2 || w < 2 ||
      (int)h % 2 || (int)w % 2) {
    set_error("input.height and input.width must be even integers >= 2");
    goto done;
  }
  if (!num_or(json_get(ji, "rowPitch"), w, &pitch) || pitch < w) { set_error("input.rowPitch must be >= width"); goto done; }
  if (!num_or(json_get(ji, "alignedByteSize"), pitch * h * 3 / 2, &abs) || abs < pitch * h * 3 / 2) {
    set_error("input.alignedByteSize must be >= rowPitch * height * 3 / 2");
    goto done;
  }
  m->input_name = strdup(str_or(json_get(ji, "name"), "data"));
  hbDNNTensorProperties *ip = &m->input_props;
  ip->validShape.numDimensions = 4;
  ip->validShape.dimensionSize[0] = 1;
  ip->validShape.dimensionSize[1] = 3;
  ip->validShape.dimensionSize[2] = (int32_t)h;
  ip->validShape.dimensionSize[3] = (int32_t)w;
  ip->alignedShape = ip->validShape;
  ip->alignedShape.dimensionSize[3] = (int32_t)pitch;
  ip->tensorLayout = HB_DNN_LAYOUT_NCHW;
  ip->tensorType = HB_DNN_IMG_TYPE_NV12;
  ip->quantiType = NONE;
  ip->alignedByteSize = (int32_t)abs;

  const json_value *jos = json_get(root, "outputs");
  if (!jos || jos->kind != JSON_ARRAY || jos->count == 0 || jos->count > MAX_OUTPUTS) {
    set_error("outputs must be an array of 1..%d tensors", MAX_OUTPUTS);
    goto done;
  }
  for (size_t i = 0; i < jos->count; i++) {
    m->output_count = (int)i + 1;
    if (!parse_output(jos->items[i], (int)i, &m->outputs[i])) goto done;
  }
  int32_t load_error = 0;
  if (!parse_faults(json_get(root, "faults"), m, &load_error)) { set_error("bad faults section"); goto done; }
  if (load_error != 0) {
    set_error("fault injection: loading refused with %d", load_error);
    rc = load_error;
    goto done;
  }
  rc = HB_DNN_SUCCESS;
done:
  json_free(root);
  if (rc != HB_DNN_SUCCESS) {
    free_model(m);
    m = NULL;
  }
  *out = m;
  return rc;
}

static void start_workers(model *m) {
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&m->work_cv, &attr);
  pthread_condattr_destroy(&attr);
  for (int c = 0; c < m->cores; c++) {
    worker_arg *arg = malloc(sizeof(*arg));
    arg->m = m;
    arg->core = c;
    pthread_create(&m->workers[c], NULL, worker_main, arg);
  }
}

static void stop_workers(model *m) {
  pthread_mutex_lock(&g_lock);
  m->stopping = 1;
  pthread_cond_broadcast(&m->work_cv);
  pthread_mutex_unlock(&g_lock);
  for (int c = 0; c < m->cores; c++) pthread_join(m->workers[c], NULL);
  pthread_cond_destroy(&m->work_cv);
}

static void free_packed(packed *p) {
  for (int i = 0; i < p->model_count; i++) free_model(p->models[i]);
  free(p->models);
  free(p->names);
  free(p);
}

static int32_t register_packed(model **models, int count, hbPackedDNNHandle_t *out) {
  packed *p = calloc(1, sizeof(*p));
  p->magic = PACKED_MAGIC;
  p->model_count = count;
  p->models = models;
  p->names = calloc((size_t)count, sizeof(char *));
  for (int i = 0; i < count; i++) {
    models[i]->packed = p;
    p->names[i] = models[i]->name;
    start_workers(models[i]);
  }
  pthread_mutex_lock(&g_lock);
  p->next = g_packed;
  g_packed = p;
  g_counters.live_packed_handles++;
  for (int i = 0; i < count; i++)
    if (models[i]->fail_allocation > 0) g_alloc_countdown = models[i]->fail_allocation;
  if (!g_counters.banner_printed && getenv("HB_EMU_QUIET") == NULL) {
    fprintf(stderr, "[DNN] Runtime version = 1.24.5_(emulator)\n");
  }
  g_counters.banner_printed = 1;
  pthread_mutex_unlock(&g_lock);
  *out = p;
  return HB_DNN_SUCCESS;
}

/* ------------------------------------------------------------------ public API: version, errors */

EXPORT const char *hbDNNGetVersion(void) { return "1.24.5_(emulator)"; }

EXPORT const char *hbDNNGetErrorDesc(int32_t code) {
  switch (code) {
    case 0: return "HB_DNN_SUCCESS: success";
    case HB_DNN_INVALID_ARGUMENT: return "HB_DNN_INVALID_ARGUMENT: invalid argument";
    case HB_DNN_INVALID_MODEL: return "HB_DNN_INVALID_MODEL: invalid model";
    case HB_DNN_MODEL_NUMBER_EXCEED_LIMIT: return "HB_DNN_MODEL_NUMBER_EXCEED_LIMIT: model number exceeds limit";
    case HB_DNN_INVALID_PACKED_DNN_HANDLE: return "HB_DNN_INVALID_PACKED_DNN_HANDLE: invalid packed dnn handle";
    case HB_DNN_INVALID_DNN_HANDLE: return "HB_DNN_INVALID_DNN_HANDLE: invalid dnn handle";
    case HB_DNN_CAN_NOT_OPEN_FILE: return "HB_DNN_CAN_NOT_OPEN_FILE: can not open file";
    case HB_DNN_OUT_OF_MEMORY: return "HB_DNN_OUT_OF_MEMORY: out of memory";
    case HB_DNN_TIMEOUT: return "HB_DNN_TIMEOUT: timeout";
    case HB_DNN_TASK_NUM_EXCEED_LIMIT: return "HB_DNN_TASK_NUM_EXCEED_LIMIT: task number exceeds limit (32)";
    case HB_DNN_TASK_BATCH_SIZE_EXCEED_LIMIT: return "HB_DNN_TASK_BATCH_SIZE_EXCEED_LIMIT: task batch size exceeds limit";
    case HB_DNN_INVALID_TASK_HANDLE: return "HB_DNN_INVALID_TASK_HANDLE: invalid task handle";
    case HB_DNN_RUN_TASK_FAILED: return "HB_DNN_RUN_TASK_FAILED: run task failed";
    case HB_DNN_MODEL_IS_RUNNING: return "HB_DNN_MODEL_IS_RUNNING: model is running";
    case HB_DNN_INCOMPATIBLE_MODEL: return "HB_DNN_INCOMPATIBLE_MODEL: incompatible model";
    case HB_DNN_API_USE_ERROR: return "HB_DNN_API_USE_ERROR: api use error";
    case HB_DNN_MULTI_PROGRESS_USE_ERROR: return "HB_DNN_MULTI_PROGRESS_USE_ERROR: multi process use error";
    case HB_SYS_INVALID_ARGUMENT: return "HB_SYS_INVALID_ARGUMENT: invalid argument";
    case HB_SYS_OUT_OF_MEMORY: return "HB_SYS_OUT_OF_MEMORY: out of memory";
    case HB_SYS_REGISTER_MEM_FAILED: return "HB_SYS_REGISTER_MEM_FAILED: register memory failed";
    default: return "unknown error code";
  }
}

/* ------------------------------------------------------------------ public API: loading */

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      if (cap >= (64u << 20)) break; /* descriptions are tiny; a huge file is not one */
      cap *= 2;
      char *grown = realloc(buf, cap);
      if (!grown) { free(buf); buf = NULL; }
      buf = grown;
    }
  }
  fclose(f);
  *len = n;
  return buf;
}

EXPORT int32_t hbDNNInitializeFromFiles(hbPackedDNNHandle_t *packedDNNHandle, const char **modelFileNames,
                                        int32_t modelFileCount) {
  pthread_once(&g_once, init_once);
  if (!packedDNNHandle || !modelFileNames || modelFileCount < 1) return HB_DNN_INVALID_ARGUMENT;
  *packedDNNHandle = NULL;
  model **models = calloc((size_t)modelFileCount, sizeof(model *));
  for (int i = 0; i < modelFileCount; i++) {
    if (!modelFileNames[i]) { set_error("model file name %d is NULL", i); goto fail_arg; }
    size_t len = 0;
    char *text = read_file(modelFileNames[i], &len);
    if (!text) {
      set_error("cannot open %s: %s", modelFileNames[i], strerror(errno));
      for (int j = 0; j < i; j++) free_model(models[j]);
      free(models);
      return HB_DNN_CAN_NOT_OPEN_FILE;
    }
    char *stem = stem_of(modelFileNames[i]);
    int32_t rc = parse_model(text, len, stem, &models[i]);
    free(stem);
    free(text);
    if (rc != HB_DNN_SUCCESS) {
      for (int j = 0; j < i; j++) free_model(models[j]);
      free(models);
      return rc;
    }
  }
  return register_packed(models, modelFileCount, packedDNNHandle);
fail_arg:
  free(models);
  return HB_DNN_INVALID_ARGUMENT;
}

EXPORT int32_t hbDNNInitializeFromDDR(hbPackedDNNHandle_t *packedDNNHandle, const void **modelData,
                                      int32_t *modelDataLengths, int32_t modelDataCount) {
  pthread_once(&g_once, init_once);
  if (!packedDNNHandle || !modelData || !modelDataLengths || modelDataCount < 1) return HB_DNN_INVALID_ARGUMENT;
  *packedDNNHandle = NULL;
  model **models = calloc((size_t)modelDataCount, sizeof(model *));
  for (int i = 0; i < modelDataCount; i++) {
    char name[32];
    snprintf(name, sizeof(name), "model%d", i);
    int32_t rc = modelData[i] && modelDataLengths[i] > 0
                     ? parse_model(modelData[i], (size_t)modelDataLengths[i], name, &models[i])
                     : HB_DNN_INVALID_ARGUMENT;
    if (rc != HB_DNN_SUCCESS) {
      for (int j = 0; j < i; j++) free_model(models[j]);
      free(models);
      return rc;
    }
  }
  return register_packed(models, modelDataCount, packedDNNHandle);
}

EXPORT int32_t hbDNNRelease(hbPackedDNNHandle_t packedDNNHandle) {
  pthread_once(&g_once, init_once);
  pthread_mutex_lock(&g_lock);
  packed *p = packedDNNHandle;
  if (!p || !packed_is_live(p)) {
    pthread_mutex_unlock(&g_lock);
    return HB_DNN_INVALID_PACKED_DNN_HANDLE;
  }
  for (task *t = g_tasks; t; t = t->next) {
    if (!t->released && t->model->packed == p) {
      set_error("hbDNNRelease: task %ld of model %s not released", t->id, t->model->name);
      pthread_mutex_unlock(&g_lock);
      return HB_DNN_MODEL_IS_RUNNING;
    }
  }
  for (packed **pp = &g_packed; *pp; pp = &(*pp)->next)
    if (*pp == p) {
      *pp = p->next;
      break;
    }
  g_counters.live_packed_handles--;
  pthread_mutex_unlock(&g_lock);
  for (int i = 0; i < p->model_count; i++) stop_workers(p->models[i]);
  /* Released-but-running tasks were freed by the workers before they stopped. */
  p->magic = 0;
  free_packed(p);
  return HB_DNN_SUCCESS;
}

EXPORT int32_t hbDNNGetModelNameList(const char ***modelNameList, int32_t *modelNameCount,
                                     hbPackedDNNHandle_t packedDNNHandle) {
  if (!modelNameList || !modelNameCount) return HB_DNN_INVALID_ARGUMENT;
  pthread_mutex_lock(&g_lock);
  packed *p = packedDNNHandle;
  int32_t rc = HB_DNN_INVALID_PACKED_DNN_HANDLE;
  if (p && packed_is_live(p)) {
    *modelNameList = p->names;
    *modelNameCount = p->model_count;
    rc = HB_DNN_SUCCESS;
  }
  pthread_mutex_unlock(&g_lock);
  return rc;
}

EXPORT int32_t hbDNNGetModelHandle(hbDNNHandle_t *dnnHandle, hbPackedDNNHandle_t packedDNNHandle,
                                   const char *modelName) {
  if (!dnnHandle || !modelName) return HB_DNN_INVALID_ARGUMENT;
  *dnnHandle = NULL;
  pthread_mutex_lock(&g_lock);
  packed *p = packedDNNHandle;
  int32_t rc = HB_DNN_INVALID_PACKED_DNN_HANDLE;
  if (p && packed_is_live(p)) {
    rc = HB_DNN_INVALID_ARGUMENT;
    for (int i = 0; i < p->model_count; i++)
      if (strcmp(p->models[i]->name, modelName) == 0) {
        *dnnHandle = p->models[i];
        rc = HB_DNN_SUCCESS;
      }
  }
  pthread_mutex_unlock(&g_lock);
  return rc;
}

/* Runs `body` with a validated model pointer `m` under the lock. */
#define WITH_MODEL(handle, body)                         \
  do {                                                   \
    pthread_mutex_lock(&g_lock);                         \
    model *m = (model *)(handle);                        \
    int32_t rc_ = HB_DNN_INVALID_DNN_HANDLE;             \
    if (m && model_is_live(m)) {                         \
      body;                                              \
    }                                                    \
    pthread_mutex_unlock(&g_lock);                       \
    return rc_;                                          \
  } while (0)

EXPORT int32_t hbDNNGetInputCount(int32_t *inputCount, hbDNNHandle_t dnnHandle) {
  if (!inputCount) return HB_DNN_INVALID_ARGUMENT;
  WITH_MODEL(dnnHandle, { *inputCount = 1; rc_ = 0; });
}

EXPORT int32_t hbDNNGetOutputCount(int32_t *outputCount, hbDNNHandle_t dnnHandle) {
  if (!outputCount) return HB_DNN_INVALID_ARGUMENT;
  WITH_MODEL(dnnHandle, { *outputCount = m->output_count; rc_ = 0; });
}

EXPORT int32_t hbDNNGetInputName(const char **name, hbDNNHandle_t dnnHandle, int32_t inputIndex) {
  if (!name) return HB_DNN_INVALID_ARGUMENT;
  WITH_MODEL(dnnHandle, {
    rc_ = HB_DNN_INVALID_ARGUMENT;
    if (inputIndex == 0) { *name = m->input_name; rc_ = 0; }
  });
}

EXPORT int32_t hbDNNGetOutputName(const char **name, hbDNNHandle_t dnnHandle, int32_t outputIndex) {
  if (!name) return HB_DNN_INVALID_ARGUMENT;
  WITH_MODEL(dnnHandle, {
    rc_ = HB_DNN_INVALID_ARGUMENT;
    if (outputIndex >= 0 && outputIndex < m->output_count) { *name = m->outputs[outputIndex].name; rc_ = 0; }
  });
}

EXPORT int32_t hbDNNGetInputTensorProperties(hbDNNTensorProperties *properties, hbDNNHandle_t dnnHandle,
                                             int32_t inputIndex) {
  if (!properties) return HB_DNN_INVALID_ARGUMENT;
  WITH_MODEL(dnnHandle, {
    rc_ = HB_DNN_INVALID_ARGUMENT;
    if (inputIndex == 0) { *properties = m->input_props; rc_ = 0; }
  });
}

EXPORT int32_t hbDNNGetOutputTensorProperties(hbDNNTensorProperties *properties, hbDNNHandle_t dnnHandle,
                                              int32_t outputIndex) {
  if (!properties) return HB_DNN_INVALID_ARGUMENT;
  WITH_MODEL(dnnHandle, {
    rc_ = HB_DNN_INVALID_ARGUMENT;
    if (outputIndex >= 0 && outputIndex < m->output_count) { *properties = m->outputs[outputIndex].props; rc_ = 0; }
  });
}

/* ------------------------------------------------------------------ public API: inference */

/* Reads the luma plane from what the BPU would see (the device copy of a cached buffer). */
static int32_t snapshot_input(const hbDNNTensor *in, const model *m, task *t, long *in_id) {
  const hbDNNTensorProperties *mp = &m->input_props;
  const hbDNNTensorProperties *cp = &in->properties;
  int32_t h = mp->validShape.dimensionSize[2], w = mp->validShape.dimensionSize[3];
  int32_t pitch = cp->alignedShape.numDimensions == 4 ? cp->alignedShape.dimensionSize[3] : w;
  if (cp->tensorType != HB_DNN_IMG_TYPE_NV12 && cp->tensorType != HB_DNN_IMG_TYPE_NV12_SEPARATE) {
    set_error("input tensorType %d is not NV12", cp->tensorType);
    return HB_DNN_INVALID_ARGUMENT;
  }
  if (pitch < w) { set_error("input alignedShape width %d < valid width %d", pitch, w); return HB_DNN_INVALID_ARGUMENT; }
  size_t needed = cp->tensorType == HB_DNN_IMG_TYPE_NV12 ? (size_t)pitch * h * 3 / 2 : (size_t)pitch * h;
  const void *addr = in->sysMem[0].virAddr;
  if (!addr) { set_error("input sysMem[0].virAddr is NULL"); return HB_DNN_INVALID_ARGUMENT; }
  if (in->sysMem[0].memSize < needed ||
      (cp->tensorType == HB_DNN_IMG_TYPE_NV12 && (int64_t)in->sysMem[0].memSize < cp->alignedByteSize)) {
    set_error("input memSize %u < required %zu bytes", in->sysMem[0].memSize, needed);
    return HB_DNN_INVALID_ARGUMENT;
  }
  const uint8_t *src = addr;
  allocation *a = find_alloc_containing(addr, needed);
  *in_id = a ? a->id : 0;
  if (a) {
    size_t off = (size_t)(src - a->cpu);
    if (a->cached && memcmp(a->cpu + off, a->device + off, needed) != 0) g_counters.stale_input_submissions++;
    src = a->device + off;
  }
  uint64_t sum = 0;
  for (int32_t r = 0; r < h; r++) {
    const uint8_t *row = src + (size_t)r * pitch;
    uint32_t row_sum = 0; /* 32-bit per row lets the compiler vectorise the widening sum */
    for (int32_t c = 0; c < w; c++) row_sum += row[c];
    sum += row_sum;
  }
  t->luma_sum = sum;
  t->luma_count = (uint64_t)h * w;
  return HB_DNN_SUCCESS;
}

static int fault_lookup(const int32_t *tasks, int n, long seq) {
  for (int i = 0; i < n; i++)
    if (tasks[i] == seq) return i;
  return -1;
}

static int32_t infer_impl(hbDNNTaskHandle_t *taskHandle, hbDNNTensor **output, const hbDNNTensor *input,
                          hbDNNHandle_t dnnHandle, hbDNNInferCtrlParam *inferCtrlParam);

EXPORT int32_t hbDNNInfer(hbDNNTaskHandle_t *taskHandle, hbDNNTensor **output, const hbDNNTensor *input,
                          hbDNNHandle_t dnnHandle, hbDNNInferCtrlParam *inferCtrlParam) {
  long started = monotonic_ns();
  int32_t status = infer_impl(taskHandle, output, input, dnnHandle, inferCtrlParam);
  __atomic_fetch_add(&g_counters.caller_thread_ns, monotonic_ns() - started, __ATOMIC_RELAXED);
  return status;
}

static int32_t infer_impl(hbDNNTaskHandle_t *taskHandle, hbDNNTensor **output, const hbDNNTensor *input,
                          hbDNNHandle_t dnnHandle, hbDNNInferCtrlParam *inferCtrlParam) {
  pthread_once(&g_once, init_once);
  if (!taskHandle) return HB_DNN_INVALID_ARGUMENT;
  if (*taskHandle != NULL) {
    /* The `more` mechanism (appending to a task) is not emulated; a non-NULL handle is misuse. */
    set_error("hbDNNInfer: *task must be NULL (the emulator does not support `more`)");
    *taskHandle = NULL;
    return HB_DNN_API_USE_ERROR;
  }
  if (!output || !*output || !input || !inferCtrlParam) {
    set_error("hbDNNInfer: NULL argument");
    return HB_DNN_INVALID_ARGUMENT;
  }
  pthread_mutex_lock(&g_lock);
  g_counters.infer_calls++;
  model *m = dnnHandle;
  int32_t rc = HB_DNN_SUCCESS;
  task *t = NULL;
  long in_id = 0;
  if (!m || !model_is_live(m)) { rc = HB_DNN_INVALID_DNN_HANDLE; goto out; }
  const hbDNNInferCtrlParam *ctrl = inferCtrlParam;
  if (ctrl->more != 0) { set_error("hbDNNInfer: `more` is not emulated"); rc = HB_DNN_API_USE_ERROR; goto out; }
  if (ctrl->bpuCoreId < 0 || (ctrl->bpuCoreId & ~((1 << m->cores) - 1)) != 0) {
    set_error("hbDNNInfer: bpuCoreId mask %d names a core this BPU does not have (%d core(s))", ctrl->bpuCoreId, m->cores);
    rc = HB_DNN_INVALID_ARGUMENT;
    goto out;
  }
  if (ctrl->priority < 0 || ctrl->priority > 255) { set_error("hbDNNInfer: priority %d outside 0..255", ctrl->priority); rc = HB_DNN_INVALID_ARGUMENT; goto out; }
  t = calloc(1, sizeof(*t));
  rc = snapshot_input(input, m, t, &in_id);
  if (rc != HB_DNN_SUCCESS) goto out;
  const hbDNNTensor *outs = *output; /* read the array, never write through `output` */
  for (int i = 0; i < m->output_count; i++) {
    const hbSysMem *mem = &outs[i].sysMem[0];
    if (!mem->virAddr || (int64_t)mem->memSize < m->outputs[i].props.alignedByteSize) {
      set_error("output %d: sysMem[0] NULL or smaller than alignedByteSize %d", i, m->outputs[i].props.alignedByteSize);
      rc = HB_DNN_INVALID_ARGUMENT;
      goto out;
    }
    allocation *a = find_alloc_containing(mem->virAddr, mem->memSize);
    t->out_addr[i] = mem->virAddr;
    t->out_size[i] = mem->memSize;
    t->out_alloc[i] = a ? a->id : 0;
  }
  t->output_count = m->output_count;
  if (g_counters.live_tasks >= MAX_LIVE_TASKS) {
    set_error("hbDNNInfer: %d tasks already exist", MAX_LIVE_TASKS);
    rc = HB_DNN_TASK_NUM_EXCEED_LIMIT;
    goto out;
  }
  long seq = ++m->submissions;
  int fi = fault_lookup(m->fault_reject_task, m->n_reject, seq);
  if (fi >= 0) {
    set_error("fault injection: submission %ld rejected", seq);
    rc = m->fault_reject_code[fi];
    goto out;
  }
  t->magic = TASK_MAGIC;
  t->id = g_next_task_id++;
  t->model = m;
  t->seq = seq;
  t->priority = ctrl->priority;
  t->custom_id = ctrl->customId;
  t->core_mask = ctrl->bpuCoreId;
  fi = fault_lookup(m->fault_fail_task, m->n_fail, seq);
  t->fail_code = fi >= 0 ? m->fault_fail_code[fi] : 0;
  t->submitted_at = now_mono();
  t->state = fault_lookup(m->fault_hang_task, m->n_hang, seq) >= 0 ? TASK_HUNG : TASK_QUEUED;
  t->next = g_tasks;
  g_tasks = t;
  g_counters.live_tasks++;
  if (g_counters.live_tasks > g_counters.max_live_tasks) g_counters.max_live_tasks = g_counters.live_tasks;
  trace("S%ld:%ld>%ld ", t->id, in_id, t->out_alloc[0]);
  if (t->state == TASK_QUEUED) {
    if (m->latency_us == 0) {
      /* An infinitely fast BPU: finish before returning, so that benchmarks with latencyUs 0 measure
       * the caller's overhead rather than this emulator's thread handoff. */
      t->state = TASK_RUNNING;
      complete_task(t);
    } else {
      pthread_cond_broadcast(&m->work_cv);
    }
  }
  *taskHandle = t;
  t = NULL;
out:
  free(t);
  if (rc != HB_DNN_SUCCESS) {
    *taskHandle = NULL;
    trace("S!%d ", rc);
  }
  pthread_mutex_unlock(&g_lock);
  return rc;
}

EXPORT int32_t hbDNNRoiInfer(hbDNNTaskHandle_t *taskHandle, hbDNNTensor **output, const hbDNNTensor *input,
                             hbDNNRoi *rois, int32_t roiCount, hbDNNHandle_t dnnHandle,
                             hbDNNInferCtrlParam *inferCtrlParam) {
  (void)output; (void)input; (void)rois; (void)roiCount; (void)dnnHandle; (void)inferCtrlParam;
  if (taskHandle) *taskHandle = NULL;
  set_error("hbDNNRoiInfer is not emulated");
  return HB_DNN_API_USE_ERROR;
}

typedef void (*hbDNNTaskDoneCb)(hbDNNTaskHandle_t task, int32_t status, void *userdata);

EXPORT int32_t hbDNNSetTaskDoneCb(hbDNNTaskHandle_t taskHandle, hbDNNTaskDoneCb cb, void *userdata) {
  (void)taskHandle; (void)cb; (void)userdata;
  set_error("hbDNNSetTaskDoneCb is not emulated");
  return HB_DNN_API_USE_ERROR;
}

EXPORT int32_t hbDNNWaitTaskDone(hbDNNTaskHandle_t taskHandle, int32_t timeout) {
  pthread_once(&g_once, init_once);
  pthread_mutex_lock(&g_lock);
  task *t = taskHandle;
  if (!t || !task_is_live(t)) {
    pthread_mutex_unlock(&g_lock);
    return HB_DNN_INVALID_TASK_HANDLE;
  }
  struct timespec deadline = ts_add_us(now_mono(), (long)timeout * 1000);
  int32_t rc = HB_DNN_SUCCESS;
  t->waiters++;
  while (t->state != TASK_DONE && !t->released) {
    if (timeout > 0) {
      if (pthread_cond_timedwait(&g_done_cv, &g_lock, &deadline) == ETIMEDOUT && t->state != TASK_DONE) {
        rc = HB_DNN_TIMEOUT;
        break;
      }
    } else {
      pthread_cond_wait(&g_done_cv, &g_lock);
    }
  }
  t->waiters--;
  long id = t->id;
  if (t->released) {
    rc = HB_DNN_INVALID_TASK_HANDLE;
    maybe_free_task(t);
  } else if (rc == HB_DNN_SUCCESS) {
    rc = t->status;
  }
  trace("W%ld=%d ", id, rc);
  pthread_mutex_unlock(&g_lock);
  return rc;
}

EXPORT int32_t hbDNNReleaseTask(hbDNNTaskHandle_t taskHandle) {
  pthread_once(&g_once, init_once);
  pthread_mutex_lock(&g_lock);
  task *t = taskHandle;
  if (!t || !task_is_live(t)) {
    pthread_mutex_unlock(&g_lock);
    return HB_DNN_INVALID_TASK_HANDLE;
  }
  if (t->state != TASK_DONE) g_counters.released_unfinished_tasks++;
  t->released = 1;
  g_counters.live_tasks--;
  trace("R%ld ", t->id);
  pthread_cond_broadcast(&g_done_cv);
  maybe_free_task(t);
  pthread_mutex_unlock(&g_lock);
  return HB_DNN_SUCCESS;
}

/* ------------------------------------------------------------------ public API: memory */

static int32_t alloc_mem(hbSysMem *mem, uint32_t size, int cached) {
  if (!mem || size == 0) return HB_SYS_INVALID_ARGUMENT;
  allocation *a = calloc(1, sizeof(*a));
  if (!a) return HB_SYS_OUT_OF_MEMORY;
  if (posix_memalign((void **)&a->cpu, 64, size) != 0) { free(a); return HB_SYS_OUT_OF_MEMORY; }
  memset(a->cpu, 0, size);
  if (cached) {
    if (posix_memalign((void **)&a->device, 64, size) != 0) { free(a->cpu); free(a); return HB_SYS_OUT_OF_MEMORY; }
    memset(a->device, 0, size);
  } else {
    a->device = a->cpu;
  }
  a->cached = cached;
  a->size = size;
  pthread_mutex_lock(&g_lock);
  if (g_alloc_countdown > 0 && --g_alloc_countdown == 0) {
    g_counters.injected_allocation_failures++;
    pthread_mutex_unlock(&g_lock);
    if (cached) free(a->device);
    free(a->cpu);
    free(a);
    set_error("fault injection: allocation refused");
    return HB_SYS_OUT_OF_MEMORY;
  }
  a->id = g_next_alloc_id++;
  a->phy = g_next_phy;
  g_next_phy += ((uint64_t)size + 4095u) & ~(uint64_t)4095u;
  a->next = g_allocs;
  g_allocs = a;
  g_counters.live_allocations++;
  trace("A%ld ", a->id);
  pthread_mutex_unlock(&g_lock);
  mem->phyAddr = a->phy;
  mem->virAddr = a->cpu;
  mem->memSize = size;
  return HB_SYS_SUCCESS;
}

EXPORT int32_t hbSysAllocMem(hbSysMem *mem, uint32_t size) { return alloc_mem(mem, size, 0); }
EXPORT int32_t hbSysAllocCachedMem(hbSysMem *mem, uint32_t size) { return alloc_mem(mem, size, 1); }

static int32_t flush_impl(hbSysMem *mem, int32_t flag);

EXPORT int32_t hbSysFlushMem(hbSysMem *mem, int32_t flag) {
  long started = monotonic_ns();
  int32_t status = flush_impl(mem, flag);
  __atomic_fetch_add(&g_counters.caller_thread_ns, monotonic_ns() - started, __ATOMIC_RELAXED);
  return status;
}

static int32_t flush_impl(hbSysMem *mem, int32_t flag) {
  if (!mem || (flag != HB_SYS_MEM_CACHE_CLEAN && flag != HB_SYS_MEM_CACHE_INVALIDATE)) return HB_SYS_INVALID_ARGUMENT;
  pthread_mutex_lock(&g_lock);
  allocation *a = find_alloc_containing(mem->virAddr, mem->memSize);
  int32_t rc = HB_SYS_INVALID_ARGUMENT;
  if (a) {
    size_t off = (size_t)((uint8_t *)mem->virAddr - a->cpu);
    if (flag == HB_SYS_MEM_CACHE_CLEAN) {
      g_counters.clean_flushes++;
      if (a->cached) memcpy(a->device + off, a->cpu + off, mem->memSize);
      trace("C%ld ", a->id);
    } else {
      g_counters.invalidate_flushes++;
      for (task *t = g_tasks; t; t = t->next)
        for (int i = 0; i < t->output_count; i++)
          if (t->out_alloc[i] == a->id && t->state != TASK_DONE && !t->released) g_counters.invalidates_before_completion++;
      if (a->cached) memcpy(a->cpu + off, a->device + off, mem->memSize);
      trace("I%ld ", a->id);
    }
    rc = HB_SYS_SUCCESS;
  }
  pthread_mutex_unlock(&g_lock);
  return rc;
}

EXPORT int32_t hbSysFreeMem(hbSysMem *mem) {
  if (!mem) return HB_SYS_INVALID_ARGUMENT;
  pthread_mutex_lock(&g_lock);
  allocation **pp = &g_allocs;
  while (*pp && (*pp)->cpu != mem->virAddr) pp = &(*pp)->next;
  allocation *a = *pp;
  if (!a) {
    pthread_mutex_unlock(&g_lock);
    return HB_SYS_INVALID_ARGUMENT;
  }
  for (task *t = g_tasks; t; t = t->next)
    for (int i = 0; i < t->output_count; i++)
      if (t->out_alloc[i] == a->id && !t->released) g_counters.frees_while_in_use++;
  *pp = a->next;
  g_counters.live_allocations--;
  trace("F%ld ", a->id);
  pthread_mutex_unlock(&g_lock);
  if (a->cached) free(a->device);
  free(a->cpu);
  free(a);
  return HB_SYS_SUCCESS;
}

EXPORT int32_t hbSysWriteMem(hbSysMem *dest, char *src, uint32_t size) {
  if (!dest || !src || !dest->virAddr || size > dest->memSize) return HB_SYS_INVALID_ARGUMENT;
  memcpy(dest->virAddr, src, size);
  return HB_SYS_SUCCESS;
}

EXPORT int32_t hbSysReadMem(char *dest, hbSysMem *src, uint32_t size) {
  if (!dest || !src || !src->virAddr || size > src->memSize) return HB_SYS_INVALID_ARGUMENT;
  memcpy(dest, src->virAddr, size);
  return HB_SYS_SUCCESS;
}

EXPORT int32_t hbSysRegisterMem(hbSysMem *mem) { return mem ? HB_SYS_SUCCESS : HB_SYS_INVALID_ARGUMENT; }
EXPORT int32_t hbSysUnregisterMem(hbSysMem *mem) { return mem ? HB_SYS_SUCCESS : HB_SYS_INVALID_ARGUMENT; }

/* ------------------------------------------------------------------ test-only introspection */

/* Value of a named counter, or -1 for an unknown name. */
EXPORT int64_t hbEmuGetCounter(const char *name) {
  if (!name) return -1;
  static const struct { const char *name; size_t offset; } table[] = {
#define C(n) {#n, offsetof(__typeof__(g_counters), n)}
      C(live_allocations),      C(live_tasks),           C(live_packed_handles),
      C(clean_flushes),         C(invalidate_flushes),   C(infer_calls),
      C(completed_tasks),       C(stale_input_submissions), C(invalidates_before_completion),
      C(frees_while_in_use),    C(released_unfinished_tasks), C(max_live_tasks),
      C(caller_thread_ns),      C(injected_allocation_failures),
#undef C
  };
  int64_t v = -1;
  pthread_mutex_lock(&g_lock);
  for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
    if (strcmp(table[i].name, name) == 0) v = *(long *)((char *)&g_counters + table[i].offset);
  pthread_mutex_unlock(&g_lock);
  return v;
}

/* Zeroes the event counters and the trace; live_* counts reflect real objects and are kept. */
EXPORT void hbEmuResetCounters(void) {
  pthread_mutex_lock(&g_lock);
  g_counters.clean_flushes = g_counters.invalidate_flushes = g_counters.infer_calls = 0;
  g_counters.completed_tasks = g_counters.stale_input_submissions = 0;
  g_counters.invalidates_before_completion = g_counters.frees_while_in_use = 0;
  g_counters.released_unfinished_tasks = 0;
  g_counters.max_live_tasks = g_counters.live_tasks;
  __atomic_store_n(&g_counters.caller_thread_ns, 0, __ATOMIC_RELAXED);
  g_trace_len = 0;
  if (g_trace) g_trace[0] = '\0';
  pthread_mutex_unlock(&g_lock);
}

/* Copies the event trace (see native/README.md) into buf; returns the full trace length. */
EXPORT int32_t hbEmuReadTrace(char *buf, int32_t size) {
  pthread_mutex_lock(&g_lock);
  int32_t len = (int32_t)g_trace_len;
  if (buf && size > 0) {
    int32_t n = len < size - 1 ? len : size - 1;
    if (n > 0) memcpy(buf, g_trace, (size_t)n);
    buf[n] = '\0';
  }
  pthread_mutex_unlock(&g_lock);
  return len;
}

/* Why the last call failed, in words (the real libdnn only logs this). */
EXPORT const char *hbEmuLastError(void) { return g_last_error; }

/* HB_EMU_EXIT_REPORT=<file>: when the process exits, the counters of what is still alive as one JSON line, so that a
   test can check that a whole process (the ROS node after a signal) released every task, buffer and model. A
   destructor, because the process that loaded the library may exit through any path (process.exit, a signal
   handler's exit). */
__attribute__((destructor)) static void write_exit_report(void) {
  const char *path = getenv("HB_EMU_EXIT_REPORT");
  if (path == NULL || *path == '\0') return;
  FILE *f = fopen(path, "w");
  if (f == NULL) return;
  pthread_mutex_lock(&g_lock);
  fprintf(f,
          "{\"live_allocations\":%ld,\"live_tasks\":%ld,\"live_packed_handles\":%ld,\"infer_calls\":%ld,"
          "\"completed_tasks\":%ld,\"released_unfinished_tasks\":%ld}\n",
          g_counters.live_allocations, g_counters.live_tasks, g_counters.live_packed_handles, g_counters.infer_calls,
          g_counters.completed_tasks, g_counters.released_unfinished_tasks);
  pthread_mutex_unlock(&g_lock);
  fclose(f);
}
