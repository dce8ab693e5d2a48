#pragma once
// (being written)
#include "ember/core/tensor.h"
