# HawkEye's measuring tools: hpbloat, hpcov, mmucost (issue 5).
BINS   += hpbloat hpcov mmucost
LDLIBS += -lpfm
