import Glibc
import LashupCNIPlugin

// The CNI plugin: everything is in LashupCNIPlugin, so tests run the same code in-process.
exit(LashupCNI.main())
