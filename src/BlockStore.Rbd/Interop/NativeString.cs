using System.Runtime.InteropServices;

namespace BlockStore.Rbd.Interop;

internal static unsafe class NativeString
{
    /// <summary>Reads a NUL-terminated UTF-8 string; null pointers read as empty.</summary>
    internal static string Read(byte* value) => value is null ? "" : Marshal.PtrToStringUTF8((IntPtr)value) ?? "";
}
