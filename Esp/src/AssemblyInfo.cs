using System.Runtime.CompilerServices;

// The packet path initialises every stack buffer it reads; skipping the zero-init is measurable per packet.
[module: SkipLocalsInit]
