// import: `onemarketapp create` into an ipfs marketplace (one_market.rb runs
// the image datastore's `export` first, then this with the app, the
// marketplace and the export's IMPORT_SOURCE/MD5/SIZE/FORMAT in argv).
// Prints SOURCE="...", MD5="...", SIZE="...", FORMAT="..." (one_market.rb
// base64-encodes it for oned). The content is linked, never copied, when it
// is in IPFS already; the app record is signed and published under the
// marketplace's IPNS key with an event in its log (common/market/
// market_import.h). A read-only marketplace (no IPFS_MARKET_KEY) fails with
// one line. On any failure nothing stays published and one stderr line says
// why.
#include "common/market/market_import.h"

int main(int argc, char** argv) {
  return oneipfs::RunMarketAction("import", "publish an image as a signed app of the marketplace; prints SOURCE, MD5, "
                                  "SIZE, FORMAT",
                                  argc, argv, oneipfs::ImportApp);
}
