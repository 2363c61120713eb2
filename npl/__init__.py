"""npl — 区级不良贷款清收平台 (district NPL collection platform)."""
