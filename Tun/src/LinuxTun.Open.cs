using System.Runtime.InteropServices;
using IpsecFw.Tun.Interop;
using IpsecFw.Tun.Offload;
using Microsoft.Win32.SafeHandles;

namespace IpsecFw.Tun;

/// <summary>Creation: open the clone device, TUNSETIFF, set the MTU. Every failure here is a <see cref="TunException"/>.</summary>
public sealed partial class LinuxTun
{
    /// <summary>Opens <paramref name="queues"/> queues of one device on <paramref name="devicePath"/> (a test can point it elsewhere).</summary>
    internal static LinuxTun[] Open(string devicePath, string name, int queues, int mtu, int batchSize, bool offload = false)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(queues, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(mtu, 68);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(mtu, 65535);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);

        var ifr = default(Ifreq);
        if (!ifr.TrySetName(name))
        {
            throw new TunException(
                $"TUN interface name '{name}' is too long or not ASCII: at most {IfName.Size - 1} ASCII characters.", LibC.ENameTooLong);
        }

        var result = new LinuxTun[queues];
        int opened = 0;
        try
        {
            string actualName = name;
            for (int q = 0; q < queues; q++)
            {
                SafeFileHandle fd = OpenQueue(devicePath, actualName, queues > 1, offload, out actualName);
                SafeFileHandle wake;
                try
                {
                    if (q == 0)
                    {
                        SetMtu(actualName, mtu);
                    }

                    wake = CreateEventFd();
                }
                catch
                {
                    fd.Dispose();
                    throw;
                }

                result[q] = new LinuxTun(fd, wake, actualName, mtu, batchSize, q, offload);
                opened++;
            }

            return result;
        }
        catch
        {
            for (int q = 0; q < opened; q++)
            {
                result[q].Dispose();
            }

            throw;
        }
    }

    private static SafeFileHandle OpenQueue(string devicePath, string name, bool multiQueue, bool offload, out string actualName)
    {
        int raw = LibC.Open(devicePath, LibC.ORdWr | LibC.ONonBlock | LibC.OCloExec);
        if (raw < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw errno switch
            {
                LibC.ENoEnt or LibC.ENoDev => new TunException(
                    $"No TUN device: {devicePath} does not exist (is the tun module loaded?).", errno),
                LibC.EAcces or LibC.EPerm => new TunException(
                    $"No permission to open {devicePath}: run as root or with CAP_NET_ADMIN.", errno),
                _ => new TunException($"Cannot open {devicePath}: {LibC.Describe(errno)}.", errno),
            };
        }

        var fd = new SafeFileHandle(raw, ownsHandle: true);
        try
        {
            var ifr = default(Ifreq);
            ifr.TrySetName(name);
            ifr.Flags = (short)(LibC.IffTun | LibC.IffNoPi | (multiQueue ? LibC.IffMultiQueue : 0) | (offload ? LibC.IffVnetHdr : 0));
            if (LibC.Ioctl(fd, LibC.TunSetIff, ref ifr) < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                throw errno switch
                {
                    LibC.EPerm or LibC.EAcces => new TunException(
                        $"No permission to create TUN interface '{name}': needs CAP_NET_ADMIN in its network namespace.", errno),
                    LibC.EBusy => new TunException(
                        $"TUN interface '{name}' already exists, or is open with other flags (single- vs multi-queue).", errno),
                    LibC.EInval => new TunException(
                        $"The kernel refused TUN interface '{name}' (a non-TUN device of that name, or bad flags).", errno),
                    _ => new TunException($"Cannot create TUN interface '{name}': {LibC.Describe(errno)}.", errno),
                };
            }

            actualName = ifr.GetName();
            if (offload)
            {
                EnableOffload(fd, actualName);
            }

            return fd;
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A 10-byte virtio-net header in front of every packet (TUNSETVNETHDRSZ), and TUNSETOFFLOAD: checksums may be left
    /// partial, TCP over IPv4 and IPv6 may come as GSO super-packets (which is what makes the kernel's TCP build them).
    /// </summary>
    private static void EnableOffload(SafeFileHandle fd, string name)
    {
        int size = VirtioNetHeader.Size;
        if (LibC.Ioctl(fd, LibC.TunSetVnetHdrSz, ref size) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new TunException($"Cannot set the virtio-net header size on TUN interface '{name}': {LibC.Describe(errno)}.", errno, offloadRefused: true);
        }

        if (LibC.Ioctl(fd, LibC.TunSetOffload, LibC.TunFCsum | LibC.TunFTso4 | LibC.TunFTso6) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new TunException($"The kernel refused TSO/checksum offloads on TUN interface '{name}' (tun.offload): {LibC.Describe(errno)}.", errno, offloadRefused: true);
        }
    }

    /// <summary>SIOCSIFMTU through a throwaway datagram socket in the calling thread's network namespace.</summary>
    private static void SetMtu(string name, int mtu)
    {
        int raw = LibC.Socket(LibC.AfInet, LibC.SockDgram | LibC.SockCloExec, 0);
        if (raw < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new TunException($"Cannot open a socket to set the MTU of '{name}': {LibC.Describe(errno)}.", errno);
        }

        using var socket = new SafeFileHandle(raw, ownsHandle: true);
        var ifr = default(Ifreq);
        ifr.TrySetName(name);
        ifr.Mtu = mtu;
        if (LibC.Ioctl(socket, LibC.SiocSIfMtu, ref ifr) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new TunException($"Cannot set MTU {mtu} on '{name}': {LibC.Describe(errno)}.", errno);
        }
    }

    private static SafeFileHandle CreateEventFd()
    {
        int raw = LibC.EventFd(0, LibC.EfdCloExec | LibC.EfdNonBlock);
        if (raw < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new TunException($"Cannot create the eventfd that wakes the TUN reader: {LibC.Describe(errno)}.", errno);
        }

        return new SafeFileHandle(raw, ownsHandle: true);
    }
}
