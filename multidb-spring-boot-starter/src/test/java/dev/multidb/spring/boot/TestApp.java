package dev.multidb.spring.boot;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.event.EventListener;
import org.springframework.data.redis.connection.Message;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.stereotype.Component;

import dev.multidb.ActiveDatabaseChangedEvent;

/** A small Spring Boot application as a user would write it: templates, a cache, a listener container. */
@SpringBootConfiguration
@EnableAutoConfiguration
@EnableCaching
@Import({ TestApp.Greetings.class, TestApp.News.class, TestApp.Switches.class })
class TestApp {

    static final String CHANNEL = "news";

    @Bean
    RedisMessageListenerContainer newsContainer(RedisConnectionFactory factory, News news) {
        RedisMessageListenerContainer container = new RedisMessageListenerContainer();
        container.setConnectionFactory(factory);
        container.addMessageListener(news, new ChannelTopic(CHANNEL));
        return container;
    }

    /** A {@code @Cacheable} method: it counts how often it really runs. */
    @Component
    static class Greetings {
        final AtomicInteger computed = new AtomicInteger();

        @Cacheable("greetings")
        public String greet(String name) {
            computed.incrementAndGet();
            return "hello " + name;
        }
    }

    /** What the listener container delivers. */
    @Component
    static class News implements MessageListener {
        final List<String> received = new CopyOnWriteArrayList<>();

        @Override
        public void onMessage(Message message, byte[] pattern) {
            received.add(new String(message.getBody()));
        }
    }

    /** multidb's switches, as Spring application events. */
    @Component
    static class Switches {
        final List<ActiveDatabaseChangedEvent> seen = new CopyOnWriteArrayList<>();

        @EventListener
        void on(ActiveDatabaseChangedEvent event) {
            seen.add(event);
        }
    }
}
