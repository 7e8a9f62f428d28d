using System.Runtime.CompilerServices;

// The packet path initialises every stack buffer it reads (pollfd arrays, ifreq); skipping the zero-init is free speed.
[module: SkipLocalsInit]
