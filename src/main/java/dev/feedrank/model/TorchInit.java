package dev.feedrank.model;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.UniformInitializer;

/**
 * PyTorch's default initialisation of nn.Linear (the design document's reference), which DJL does not use by
 * default: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (kaiming_uniform with a = sqrt(5) gives the same
 * bound for the weight). BatchNorm and LayerNorm start at gamma = 1, beta = 0 in both libraries.
 */
final class TorchInit {
    private TorchInit() {
    }

    static void apply(Block sequential, int[] fanIns) {
        int i = 0;
        for (var child : sequential.getChildren()) {
            if (child.getValue() instanceof Linear linear) {
                float bound = (float) (1.0 / Math.sqrt(fanIns[i++]));
                UniformInitializer init = new UniformInitializer(bound);
                for (var p : linear.getParameters()) {
                    Parameter param = p.getValue();
                    if (param.getType() == Parameter.Type.WEIGHT || param.getType() == Parameter.Type.BIAS) {
                        param.setInitializer(init);
                    }
                }
            }
        }
    }
}
