// sandpit-bench: the speed figures of `make bench`, each as a ratio against a baseline
// measured in the same run so that the machine's noise cancels out.
import Foundation

Bench.main()
