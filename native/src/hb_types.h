/*
 * Struct layouts and constants of the RDK X5 libdnn 1.24.5 C interface, written from the
 * project's specification (shared/docs/bpu-runtime-api.md, section 2). The static asserts pin
 * every size and offset the koffi binding relies on, so a layout slip fails the build.
 */
#ifndef HB_EMU_TYPES_H
#define HB_EMU_TYPES_H

#include <stddef.h>
#include <stdint.h>

#define HB_DNN_TENSOR_MAX_DIMENSIONS 8

typedef void *hbPackedDNNHandle_t;
typedef void *hbDNNHandle_t;
typedef void *hbDNNTaskHandle_t;

enum { HB_DNN_LAYOUT_NHWC = 0, HB_DNN_LAYOUT_NCHW = 2, HB_DNN_LAYOUT_NONE = 255 };

enum {
  HB_DNN_IMG_TYPE_Y = 0,
  HB_DNN_IMG_TYPE_NV12 = 1,
  HB_DNN_IMG_TYPE_NV12_SEPARATE = 2,
  HB_DNN_TENSOR_TYPE_S8 = 8,
  HB_DNN_TENSOR_TYPE_U8 = 9,
  HB_DNN_TENSOR_TYPE_F16 = 10,
  HB_DNN_TENSOR_TYPE_S16 = 11,
  HB_DNN_TENSOR_TYPE_U16 = 12,
  HB_DNN_TENSOR_TYPE_F32 = 13,
  HB_DNN_TENSOR_TYPE_S32 = 14,
  HB_DNN_TENSOR_TYPE_U32 = 15,
};

enum { NONE = 0, SHIFT = 1, SCALE = 2 };

enum { HB_SYS_MEM_CACHE_INVALIDATE = 1, HB_SYS_MEM_CACHE_CLEAN = 2 };

enum {
  HB_DNN_SUCCESS = 0,
  HB_DNN_INVALID_ARGUMENT = -6000001,
  HB_DNN_INVALID_MODEL = -6000002,
  HB_DNN_MODEL_NUMBER_EXCEED_LIMIT = -6000003,
  HB_DNN_INVALID_PACKED_DNN_HANDLE = -6000004,
  HB_DNN_INVALID_DNN_HANDLE = -6000005,
  HB_DNN_CAN_NOT_OPEN_FILE = -6000006,
  HB_DNN_OUT_OF_MEMORY = -6000007,
  HB_DNN_TIMEOUT = -6000008,
  HB_DNN_TASK_NUM_EXCEED_LIMIT = -6000009,
  HB_DNN_TASK_BATCH_SIZE_EXCEED_LIMIT = -6000010,
  HB_DNN_INVALID_TASK_HANDLE = -6000011,
  HB_DNN_RUN_TASK_FAILED = -6000012,
  HB_DNN_MODEL_IS_RUNNING = -6000013,
  HB_DNN_INCOMPATIBLE_MODEL = -6000014,
  HB_DNN_API_USE_ERROR = -6000015,
  HB_DNN_MULTI_PROGRESS_USE_ERROR = -6000016,
  HB_SYS_SUCCESS = 0,
  HB_SYS_INVALID_ARGUMENT = -6000129,
  HB_SYS_OUT_OF_MEMORY = -6000130,
  HB_SYS_REGISTER_MEM_FAILED = -6000131,
};

typedef struct {
  uint64_t phyAddr;
  void *virAddr;
  uint32_t memSize;
} hbSysMem;

typedef struct {
  int32_t dimensionSize[HB_DNN_TENSOR_MAX_DIMENSIONS];
  int32_t numDimensions;
} hbDNNTensorShape;

typedef struct {
  int32_t shiftLen;
  uint8_t *shiftData;
} hbDNNQuantiShift;

typedef struct {
  int32_t scaleLen;
  float *scaleData;
  int32_t zeroPointLen;
  int8_t *zeroPointData;
} hbDNNQuantiScale;

typedef struct {
  hbDNNTensorShape validShape;
  hbDNNTensorShape alignedShape;
  int32_t tensorLayout;
  int32_t tensorType;
  hbDNNQuantiShift shift;
  hbDNNQuantiScale scale;
  int32_t quantiType;
  int32_t quantizeAxis;
  int32_t alignedByteSize;
  int32_t stride[HB_DNN_TENSOR_MAX_DIMENSIONS];
} hbDNNTensorProperties;

typedef struct {
  hbSysMem sysMem[4];
  hbDNNTensorProperties properties;
} hbDNNTensor;

typedef struct {
  int32_t left;
  int32_t top;
  int32_t right;
  int32_t bottom;
} hbDNNRoi;

typedef struct {
  int32_t bpuCoreId;
  int32_t dspCoreId;
  int32_t priority;
  int32_t more;
  int64_t customId;
  int32_t reserved1;
  int32_t reserved2;
} hbDNNInferCtrlParam;

_Static_assert(sizeof(hbSysMem) == 24, "hbSysMem size");
_Static_assert(offsetof(hbSysMem, virAddr) == 8, "hbSysMem.virAddr");
_Static_assert(offsetof(hbSysMem, memSize) == 16, "hbSysMem.memSize");
_Static_assert(sizeof(hbDNNTensorShape) == 36, "hbDNNTensorShape size");
_Static_assert(sizeof(hbDNNQuantiShift) == 16, "hbDNNQuantiShift size");
_Static_assert(sizeof(hbDNNQuantiScale) == 32, "hbDNNQuantiScale size");
_Static_assert(offsetof(hbDNNQuantiScale, zeroPointData) == 24, "hbDNNQuantiScale.zeroPointData");
_Static_assert(sizeof(hbDNNTensorProperties) == 176, "hbDNNTensorProperties size");
_Static_assert(offsetof(hbDNNTensorProperties, alignedShape) == 36, "alignedShape");
_Static_assert(offsetof(hbDNNTensorProperties, tensorLayout) == 72, "tensorLayout");
_Static_assert(offsetof(hbDNNTensorProperties, tensorType) == 76, "tensorType");
_Static_assert(offsetof(hbDNNTensorProperties, shift) == 80, "shift");
_Static_assert(offsetof(hbDNNTensorProperties, scale) == 96, "scale");
_Static_assert(offsetof(hbDNNTensorProperties, quantiType) == 128, "quantiType");
_Static_assert(offsetof(hbDNNTensorProperties, quantizeAxis) == 132, "quantizeAxis");
_Static_assert(offsetof(hbDNNTensorProperties, alignedByteSize) == 136, "alignedByteSize");
_Static_assert(offsetof(hbDNNTensorProperties, stride) == 140, "stride");
_Static_assert(sizeof(hbDNNTensor) == 272, "hbDNNTensor size");
_Static_assert(offsetof(hbDNNTensor, properties) == 96, "hbDNNTensor.properties");
_Static_assert(sizeof(hbDNNRoi) == 16, "hbDNNRoi size");
_Static_assert(sizeof(hbDNNInferCtrlParam) == 32, "hbDNNInferCtrlParam size");
_Static_assert(offsetof(hbDNNInferCtrlParam, customId) == 16, "customId");

#endif
