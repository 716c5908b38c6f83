//! The wgpu context: one instance, adapter, device and queue, shared (cheaply cloned) by every
//! part that draws. Uncaptured GPU errors are logged, never turned into panics.

use std::sync::Arc;

use super::RenderError;

#[derive(Clone, Debug)]
pub struct Gpu {
    pub instance: wgpu::Instance,
    pub adapter: wgpu::Adapter,
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
}

impl Gpu {
    /// A GPU for offscreen work, chosen by wgpu's environment variables (`WGPU_BACKEND`,
    /// `WGPU_ADAPTER_NAME`, ...), else the default adapter.
    /// Without `WGPU_BACKEND`, the primary backends (Vulkan, Metal, DX12) are tried first and GL only
    /// as a fallback: initialising EGL on a machine without a GL driver floods the log.
    pub fn headless() -> Result<Self, RenderError> {
        let instance = |backends| {
            let mut desc = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
            desc.backends = backends;
            wgpu::Instance::new(desc)
        };
        match Self::with_instance(instance(preferred_backends()), None) {
            Err(RenderError::NoAdapter(_)) if wgpu::Backends::from_env().is_none() => {
                Self::with_instance(instance(wgpu::Backends::all()), None)
            }
            other => other,
        }
    }

    /// A GPU able to present to `surface` (created from `instance`).
    pub fn with_instance(instance: wgpu::Instance, surface: Option<&wgpu::Surface<'_>>) -> Result<Self, RenderError> {
        let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
            power_preference: wgpu::PowerPreference::from_env().unwrap_or(wgpu::PowerPreference::HighPerformance),
            compatible_surface: surface,
            ..Default::default()
        }))
        .map_err(|e| RenderError::NoAdapter(e.to_string()))?;
        let info = adapter.get_info();
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("quai device"),
            required_limits: wgpu::Limits::downlevel_defaults().using_resolution(adapter.limits()),
            ..Default::default()
        }))
        .map_err(|e| RenderError::NoDevice { adapter: info.name.clone(), reason: e.to_string() })?;
        device.on_uncaptured_error(Arc::new(|e: wgpu::Error| tracing::error!("GPU error: {e}")));
        tracing::debug!("GPU: {} ({:?}, {:?})", info.name, info.backend, info.device_type);
        Ok(Self { instance, adapter, device, queue })
    }

    /// "llvmpipe (LLVM 15.0.6, 256 bits), Vulkan, Cpu"
    pub fn describe(&self) -> String {
        let i = self.adapter.get_info();
        format!("{}, {:?}, {:?}", i.name, i.backend, i.device_type)
    }

    /// Wait for all submitted GPU work.
    pub fn wait(&self) {
        if let Err(e) = self.device.poll(wgpu::PollType::wait_indefinitely()) {
            tracing::warn!("GPU poll: {e}");
        }
    }
}

/// `WGPU_BACKEND` when set, else the primary backends (Vulkan, Metal, DX12).
pub fn preferred_backends() -> wgpu::Backends {
    wgpu::Backends::from_env().unwrap_or(wgpu::Backends::PRIMARY)
}

/// Every adapter wgpu can see, for `quai devices`.
pub fn list_adapters() -> Vec<wgpu::AdapterInfo> {
    let mut desc = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
    // Only listing: no validation layers, whose EGL debug hook reports the GL probe's harmless
    // "DRI2: failed to load driver" as an ERROR in debug builds.
    desc.flags.remove(wgpu::InstanceFlags::VALIDATION | wgpu::InstanceFlags::DEBUG);
    let instance = wgpu::Instance::new(desc);
    pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all())).into_iter().map(|a| a.get_info()).collect()
}
