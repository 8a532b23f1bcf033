package dev.shear.scratch;

import dev.shear.engine.*;
import dev.shear.model.*;
import java.nio.*;
import java.nio.file.*;
import java.util.*;
import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test void generate() throws Exception {
        byte[] b = Files.readAllBytes(Path.of("/work/shared/data/stories260K/stories260K.bin"));
        FloatBuffer fb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).position(28).slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        int D=64,H=172,L=5,nh=8,nkv=4,V=512,S=512,hd=8,kv=32;
        ModelConfig c = ModelConfig.llama(D,H,L,nh,nkv,V,S,true).withRopeLayout(RopeLayout.ADJACENT);
        Map<String,HostTensor> w = new HashMap<>();
        w.put("model.embed_tokens.weight", take(fb, V*D, V, D));
        float[][] rmsAtt = new float[L][]; for (int l=0;l<L;l++) w.put("model.layers."+l+".input_layernorm.weight", take(fb,D,D));
        for (int l=0;l<L;l++) w.put("model.layers."+l+".self_attn.q_proj.weight", take(fb,D*D,D,D));
        for (int l=0;l<L;l++) w.put("model.layers."+l+".self_attn.k_proj.weight", take(fb,kv*D,kv,D));
        for (int l=0;l<L;l++) w.put("model.layers."+l+".self_attn.v_proj.weight", take(fb,kv*D,kv,D));
        for (int l=0;l<L;l++) w.put("model.layers."+l+".self_attn.o_proj.weight", take(fb,D*D,D,D));
        for (int l=0;l<L;l++) w.put("model.layers."+l+".post_attention_layernorm.weight", take(fb,D,D));
        for (int l=0;l<L;l++) w.put("model.layers."+l+".mlp.gate_proj.weight", take(fb,H*D,H,D));
        for (int l=0;l<L;l++) w.put("model.layers."+l+".mlp.down_proj.weight", take(fb,D*H,D,H));
        for (int l=0;l<L;l++) w.put("model.layers."+l+".mlp.up_proj.weight", take(fb,H*D,H,D));
        w.put("model.norm.weight", take(fb,D,D));
        byte[] tb = Files.readAllBytes(Path.of("/work/shared/data/stories260K/tok512.bin"));
        ByteBuffer tbb = ByteBuffer.wrap(tb).order(ByteOrder.LITTLE_ENDIAN); tbb.getInt();
        String[] vocab = new String[V];
        for (int i=0;i<V;i++){ tbb.getFloat(); int len=tbb.getInt(); byte[] s=new byte[len]; tbb.get(s); vocab[i]=new String(s); }
        try (CausalLm m = CausalLm.fromWeights(c, w, DType.F32)) {
            long t0=System.nanoTime();
            int[] ids = Generator.generate(m, new int[]{1}, 79, Sampler.greedy(), t -> false);
            System.out.println("ms " + (System.nanoTime()-t0)/1e6);
            StringBuilder sb = new StringBuilder();
            for (int i=1;i<ids.length;i++) sb.append(vocab[ids[i]]);
            System.out.println("GEN: " + sb);
            // full forward equals cached
            try (StepScope s = Engine.openScope(m.store())) {
                Tensor lg = m.forward(s.tokens(new int[][]{Arrays.copyOf(ids, 20)}));
                System.out.println("argmax last " + lg.narrow(1,18,1).argmax(-1).toLongs()[0] + " vs " + ids[19]);
            }
        }
    }
    static HostTensor take(FloatBuffer fb, int n, long... shape){ float[] a=new float[n]; fb.get(a); return new HostTensor(shape,a);}
}
